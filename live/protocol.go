package live

// The two WebSocket subprotocols differ only in message names and in who
// pings; a protocol value maps between them.

const (
	protoTransportWS = "graphql-transport-ws" // github.com/enisdenjo/graphql-ws
	protoLegacyWS    = "graphql-ws"           // apollographql/subscriptions-transport-ws
)

type protocol struct {
	name string
	// client → server
	init, subscribe, stop, terminate, ping, pong string
	// server → client
	ack, next, errorMsg, complete, serverPing, keepAlive string
}

var (
	transportWS = &protocol{
		name: protoTransportWS,
		init: "connection_init", subscribe: "subscribe", stop: "complete", ping: "ping", pong: "pong",
		ack: "connection_ack", next: "next", errorMsg: "error", complete: "complete", serverPing: "ping",
	}
	legacyWS = &protocol{
		name: protoLegacyWS,
		init: "connection_init", subscribe: "start", stop: "stop", terminate: "connection_terminate",
		ack: "connection_ack", next: "data", errorMsg: "error", complete: "complete", keepAlive: "ka",
	}
)

func protocolFor(name string) *protocol {
	switch name {
	case protoTransportWS:
		return transportWS
	case protoLegacyWS:
		return legacyWS
	}
	return nil
}
