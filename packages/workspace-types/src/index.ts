export type * from "./validation/context.ts";
