/**
 * The `lws-minimal` chat protocol: a factory for the protocol registry
 * (`builtinProtocols()['lws-minimal']`), its limits and its ring.
 * @module
 */
import type { ProtocolFactory } from '../types.js';
import { createChatProtocol } from './chat-protocol.js';

/** ProtocolFactory for `lws-minimal`: options are its `ws-protocols` entry (see limits.ts). */
export const chatProtocol: ProtocolFactory = (options) => createChatProtocol(options);

export { createChatProtocol, CHAT_PROTOCOL_NAME, type ChatHooks, type ChatSession, type ChatVhost } from './chat-protocol.js';
export {
  CHAT_CLOSE_BINARY,
  CHAT_CLOSE_TOO_SLOW,
  CHAT_MAX_MESSAGE_SIZE,
  DEFAULT_CHAT_LIMITS,
  resolveChatLimits,
  type ChatLimits,
} from './limits.js';
export { MessageRing, RingTail } from './ring.js';
export { ChatRoom, ChatReader, type LaggardInfo, type RoomStats } from './room.js';
