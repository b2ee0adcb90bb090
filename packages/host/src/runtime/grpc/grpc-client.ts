import * as grpc from "@grpc/grpc-js";

/** The calls of a gRPC plugin's services, with deadlines: what the runner needs of @grpc/grpc-js. */

export type Message = Record<string, unknown>;
export type Client = grpc.Client & Record<string, (request: Message, metadata: grpc.Metadata, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null, response: Message) => void) => grpc.ClientUnaryCall>;

const HEALTH_TIMEOUT_MS = 1_000;

export function unary(client: Client, method: string, request: Message, timeoutMs: number): Promise<Message> {
  return new Promise((resolve, reject) => {
    client[method]!(request, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (error, response) => (error ? reject(error) : resolve(response)));
  });
}

export /** Health of the tutorial's "plugin" service, or of the server as a whole when that is not registered. */
async function checkHealth(health: Client): Promise<string> {
  try {
    return String((await unary(health, "Check", { service: "plugin" }, HEALTH_TIMEOUT_MS)).status);
  } catch (error) {
    if ((error as grpc.ServiceError).code !== grpc.status.NOT_FOUND) throw error;
    return String((await unary(health, "Check", { service: "" }, HEALTH_TIMEOUT_MS)).status);
  }
}

export async function withDeadline<T>(work: Promise<T>, ms: number, late: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
