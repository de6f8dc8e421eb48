// The transport layer: framed, authenticated (and, off loopback, TLS-encrypted) TCP connections
// between the driver, the master and executors. Nothing here knows about tasks or stages; it moves
// headers and bytes.

export { DEFAULT_MAX_FRAME_BYTES, FRAME_PREFIX_BYTES, FrameDecoder, FrameError, encodeFrame, frameByteLength } from './frame.ts';
export type { FrameDecoderOptions, Message, MessageHeader } from './frame.ts';
export {
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  HANDSHAKE_MAX_FRAME_BYTES,
  HandshakeError,
  PROTOCOL_VERSION,
  clientHandshake,
  secretBytes,
  serverHandshake,
} from './handshake.ts';
export type { HandshakeErrorCode, HandshakeOptions, HandshakeResult, PeerInfo } from './handshake.ts';
export { Connection } from './connection.ts';
export type { CloseInfo, ConnectionOptions, MessageHandler, RequestOptions } from './connection.ts';
export { ConnectionError, RemoteError } from './connection-errors.ts';
export type { ConnectionErrorCode } from './connection-errors.ts';
export { HeartbeatMonitor, heartbeatSettings } from './heartbeat.ts';
export type { HeartbeatOptions } from './heartbeat.ts';
export { connect, listen } from './tcp.ts';
export type { ConnectOptions, EndpointOptions, ListenOptions, TransportServer } from './tcp.ts';
export { formatEndpoint, remoteEndpoint } from './address.ts';
export { TLS_SWITCH, isLoopback, loadTlsSettings, parseTlsEnabled, tlsModeFor } from './tls-settings.ts';
export type { TlsFiles, TlsMode, TlsSettings } from './tls-settings.ts';
export { DEFAULT_MAX_UNAUTHENTICATED, DEFAULT_MAX_UNAUTHENTICATED_PER_ADDRESS, HandshakeAdmission } from './handshake-admission.ts';
export type { AdmissionLimits } from './handshake-admission.ts';
export { RefusalLog } from './refusal-log.ts';
export { installConnectionFaults } from './faults.ts';
export type { ConnectionFaults } from './faults.ts';
