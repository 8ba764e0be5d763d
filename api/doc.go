// Package api is medledger's REST API: net/http with method patterns, JSON,
// versioned under /v1, RFC 9457 problem documents for every error, and
// /openapi.json generated from the same route table that serves requests.
//
// It owns the one mapping from medledger error kinds to HTTP statuses. It
// holds no business rules: modules contribute their own routes (Route) and
// read state through the Server's snapshots; writes happen only as signed
// transactions through POST /v1/tx.
package api
