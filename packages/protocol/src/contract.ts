/**
 * One contract type describes an application's messages, used in the same generic slot by
 * `createServer<C>()` and `createClient<C>()`.
 *
 * @example
 * interface ChatContract {
 *   events: { typing: { room: string } };                                        // client -> server
 *   requests: { 'chat:send': { in: { room: string; text: string }; out: { id: string } } };
 *   pushes: { message: { from: string; text: string } };                         // server -> client
 *   serverRequests: { 'client:ping': { in: { n: number }; out: { n: number } } }; // server -> client
 * }
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- `any`, not `unknown`: user interfaces are not assignable to Record<string, unknown>. */
export interface Contract {
  /** Client→server fire-and-forget events: name → payload. */
  events?: Record<string, any>;
  /** Client→server requests: name → `{ in, out }`. */
  requests?: Record<string, { in: any; out: any }>;
  /** Server→client messages, direct or published to rooms: name → payload. */
  pushes?: Record<string, any>;
  /** Server→client requests answered by client handlers: name → `{ in, out }`. */
  serverRequests?: Record<string, { in: any; out: any }>;
}

/** A contract that allows any name with any payload. */
export interface AnyContract {
  events: Record<string, any>;
  requests: Record<string, { in: any; out: any }>;
  pushes: Record<string, any>;
  serverRequests: Record<string, { in: any; out: any }>;
}

/* eslint-disable @typescript-eslint/no-empty-object-type -- a section the contract leaves out is an empty map: no names are allowed there. */
type Section<C, K extends keyof Contract> = C extends { [P in K]: infer S }
  ? S extends Record<string, any>
    ? S
    : {}
  : {};
/* eslint-enable @typescript-eslint/no-empty-object-type */
/* eslint-enable @typescript-eslint/no-explicit-any */

/** Client→server event map of a contract. */
export type EventsOf<C extends Contract> = Section<C, 'events'>;
/** Client→server request map of a contract. */
export type RequestsOf<C extends Contract> = Section<C, 'requests'>;
/** Server→client push map of a contract. */
export type PushesOf<C extends Contract> = Section<C, 'pushes'>;
/** Server→client request map of a contract. */
export type ServerRequestsOf<C extends Contract> = Section<C, 'serverRequests'>;

/** Names of a map, as strings. */
export type NameOf<M> = Extract<keyof M, string>;
/** Input payload of a request entry. */
export type RequestIn<M, K extends keyof M> = M[K] extends { in: infer I } ? I : never;
/** Output payload of a request entry. */
export type RequestOut<M, K extends keyof M> = M[K] extends { out: infer O } ? O : never;
