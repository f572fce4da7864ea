/**
 * The floor control messages of MCPTT (3GPP TS 24.380) as this project carries them: JSON text on
 * a WebRTC data channel between each client and the MCPTT server. The SDK, the floor participant,
 * and the reference server, the floor control server, both read and write them with this codec.
 * It also names the INFO talk request of a client without that channel.
 *
 * @packageDocumentation
 */
export * from './floor-messages.js';
export * from './talk-info.js';
