/** The chat's typed contract, shared by the backend and the page. */
export interface ChatContract {
  events: {
    /** The user is typing in a room; the others see "… is typing". */
    typing: { room: string };
  };
  requests: {
    /** Sends a message to a room; the server stamps the sender from the token. */
    'chat:send': { in: { room: string; text: string }; out: { id: string } };
  };
  pushes: {
    message: { id: string; from: string; text: string };
    typing: { from: string };
  };
}

/** The one room of this example. */
export const LOBBY = 'chat:lobby';

/** Longest message the server accepts, in characters. */
export const MAX_TEXT = 500;
