/** Non-standard iCalendar properties: what an appointment has and RFC 5545 has no property for. */
export const TICKET_PROPERTY = "X-GOATKIT-TICKET-ID";
export const OWNER_PROPERTY = "X-GOATKIT-OWNER-ID";
