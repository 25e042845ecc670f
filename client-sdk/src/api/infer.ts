/**
 * The TypeScript type a JSON Schema describes, for the subset the API's schemas use (`type`, also as a
 * list; `enum`; `properties` with `required`; `items`). The API's shapes are written once, as `as const`
 * JSON Schemas (the server validates and serializes with them, the OpenAPI document shows them), and
 * their types are derived with this, never written a second time by hand. Types only: no runtime code.
 *
 * @example
 * const Point = { type: "object", required: ["x"], properties: { x: { type: "integer" }, label: { type: ["string", "null"] } } } as const;
 * type Point = Infer<typeof Point>; // { readonly x: number; readonly label?: string | null }
 */
export type Infer<S> = S extends { readonly enum: readonly (infer E)[] }
  ? E
  : S extends { readonly type: infer T }
    ? T extends readonly (infer U)[]
      ? ByType<S, U>
      : ByType<S, T>
    : unknown;

type ByType<S, T> = T extends "string"
  ? string
  : T extends "integer" | "number"
    ? number
    : T extends "boolean"
      ? boolean
      : T extends "null"
        ? null
        : T extends "array"
          ? S extends { readonly items: infer I }
            ? readonly Infer<I>[]
            : readonly unknown[]
          : T extends "object"
            ? InferObject<S>
            : never;

type InferObject<S> = S extends { readonly properties: infer P }
  ? Flatten<
      { readonly [K in keyof P as K extends RequiredOf<S> ? K : never]: Infer<P[K]> } & {
        readonly [K in keyof P as K extends RequiredOf<S> ? never : K]?: Infer<P[K]>;
      }
    >
  : Readonly<Record<string, unknown>>;

type RequiredOf<S> = S extends { readonly required: readonly (infer R)[] } ? R : never;
type Flatten<T> = { [K in keyof T]: T[K] };
