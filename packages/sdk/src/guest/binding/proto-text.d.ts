/** .proto files are inlined as text by the SDK's build (tsup `loader`). */
declare module "*.proto" {
  const text: string;
  export default text;
}
