/** The chat page: log in with a name, then chat in #lobby with everyone else. */
import { createClient, type Client } from '@switchyard/client';
import { LOBBY, type ChatContract } from './contract.js';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const messages = $<HTMLUListElement>('messages');
const typing = $<HTMLDivElement>('typing');
const count = $<HTMLSpanElement>('count');
const status = $<HTMLSpanElement>('status');
const login = $<HTMLFormElement>('login');
const send = $<HTMLFormElement>('send');
const nameInput = $<HTMLInputElement>('name');
const textInput = $<HTMLInputElement>('text');

function show(text: string, notice = false): void {
  const item = document.createElement('li');
  item.textContent = text;
  if (notice) item.className = 'notice';
  messages.append(item);
  messages.scrollTop = messages.scrollHeight;
}

let users = new Set<string>();
function showCount(): void {
  count.textContent = `${users.size} ${users.size === 1 ? 'user' : 'users'}`;
}

login.addEventListener('submit', (event) => {
  event.preventDefault();
  const name = nameInput.value.trim();
  if (name === '') return;
  login.hidden = true;
  send.hidden = false;
  textInput.focus();
  start(name);
});

function start(name: string): void {
  const client: Client<ChatContract> = createClient<ChatContract>({
    url: document.body.dataset['wsUrl'] ?? '',
    // The backend turns the name into a token whose `sub` is the user name.
    getToken: async () => {
      const res = await fetch(`/token?name=${encodeURIComponent(name)}`, { method: 'POST' });
      if (!res.ok) throw new Error(await res.text());
      return res.text();
    },
  });
  client.onStatus(({ status: s }) => (status.textContent = s === 'open' ? `connected as ${name}` : s));
  client.onError((error) => show(`error: ${error instanceof Error ? error.message : String(error)}`, true));

  const room = client.join(LOBBY, { presence: true });
  room.on('message', (msg) => {
    typingUntil.delete(msg.from);
    renderTyping();
    show(`${msg.from}: ${msg.text}`);
  });
  room.onPresence(({ change, userId }) => {
    if (change === 'join') users.add(userId);
    else users.delete(userId);
    show(`${userId} ${change === 'join' ? 'joined' : 'left'}`, true);
    showCount();
  });
  void room.ready().then(({ presence }) => {
    users = new Set((presence?.members ?? []).map((m) => m.userId));
    showCount();
  });

  const typingUntil = new Map<string, number>();
  function renderTyping(): void {
    const now = Date.now();
    for (const [who, until] of typingUntil) if (until < now) typingUntil.delete(who);
    const who = [...typingUntil.keys()];
    typing.textContent = who.length === 0 ? '' : `${who.join(', ')} ${who.length === 1 ? 'is' : 'are'} typing…`;
  }
  room.on('typing', ({ from }) => {
    typingUntil.set(from, Date.now() + 3_000);
    renderTyping();
    setTimeout(renderTyping, 3_100);
  });

  let lastTyping = 0;
  textInput.addEventListener('input', () => {
    if (Date.now() - lastTyping < 1_000) return;
    lastTyping = Date.now();
    void client.emit('typing', { room: LOBBY });
  });
  send.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = textInput.value.trim();
    if (text === '') return;
    textInput.value = '';
    lastTyping = 0; // the message ended the "typing" shown to others; the next keystroke says it again
    client
      .request('chat:send', { room: LOBBY, text })
      .catch((error: Error) => show(`not sent: ${error.message}`, true));
  });
}
