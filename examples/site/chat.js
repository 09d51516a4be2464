/*
 * The chat page of the demo site: one WebSocket to the same origin with the
 * `lws-minimal` subprotocol. Every text message anyone sends (this page
 * included) is shown in the list. On close the page reconnects with
 * exponential backoff and jitter (0.5 s doubling to 15 s), reset by a
 * successful connection.
 */
/* global document, window, WebSocket, TextEncoder */

const PROTOCOL = 'lws-minimal';
/** The server's default max-message-size (8 KiB); larger messages would close the socket with 1009. */
const MAX_MESSAGE_BYTES = 8192;
/** Messages kept in the list; older ones are removed so a long session stays light. */
const MAX_SHOWN = 500;
const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 15000;

const list = document.getElementById('messages');
const status = document.getElementById('status');
const form = document.getElementById('form');
const input = document.getElementById('input');
const send = document.getElementById('send');
const encoder = new TextEncoder();

let socket = null;
let attempt = 0;
let retryTimer = 0;

function setStatus(state, text) {
  status.dataset.state = state;
  status.textContent = text;
  const open = state === 'open';
  input.disabled = !open;
  send.disabled = !open;
}

function show(text, note = false) {
  const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
  const li = document.createElement('li');
  li.textContent = text; // text, never HTML
  if (note) li.className = 'note';
  list.append(li);
  while (list.childElementCount > MAX_SHOWN) list.firstElementChild.remove();
  if (atBottom) list.scrollTop = list.scrollHeight;
}

function url() {
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${window.location.host}/`;
}

/** Close codes worth telling the user about (RFC 6455 §7.4.1 and the chat's own). */
function describeClose(event) {
  if (event.code === 1000 || event.code === 1001) return 'the server closed the chat';
  if (event.code === 1008) return `the server closed the chat: ${event.reason || 'policy violation'}`;
  if (event.code === 1009) return 'the message was too big';
  if (event.code === 1006) return 'the connection was lost';
  return `closed (${event.code}${event.reason ? `: ${event.reason}` : ''})`;
}

function connect() {
  clearTimeout(retryTimer);
  setStatus('connecting', attempt === 0 ? 'connecting…' : `reconnecting (attempt ${attempt + 1})…`);
  const ws = new WebSocket(url(), PROTOCOL);
  socket = ws;
  ws.addEventListener('open', () => {
    if (socket !== ws) return;
    attempt = 0;
    setStatus('open', 'connected');
    input.focus();
  });
  ws.addEventListener('message', (event) => {
    if (socket !== ws || typeof event.data !== 'string') return;
    show(event.data);
  });
  ws.addEventListener('close', (event) => {
    if (socket !== ws) return;
    socket = null;
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** attempt) * (0.8 + Math.random() * 0.4);
    attempt++;
    if (event.code !== 1006 || attempt === 1) show(describeClose(event), true);
    setStatus('closed', `disconnected, retrying in ${Math.ceil(delay / 1000)} s`);
    retryTimer = setTimeout(connect, delay);
  });
  // 'error' is always followed by 'close', which handles the retry.
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = input.value;
  if (text === '' || !socket || socket.readyState !== WebSocket.OPEN) return;
  if (encoder.encode(text).length > MAX_MESSAGE_BYTES) {
    show(`not sent: longer than ${MAX_MESSAGE_BYTES} bytes`, true);
    return;
  }
  socket.send(text);
  input.value = '';
});

// Reconnect at once when the tab comes back online instead of waiting out the backoff.
window.addEventListener('online', () => {
  if (!socket) {
    attempt = 0;
    connect();
  }
});

connect();
