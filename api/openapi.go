package api

import (
	"regexp"
	"strings"
)

var pathParam = regexp.MustCompile(`\{([a-zA-Z_]+)(\.\.\.)?\}`)

// OpenAPI returns an OpenAPI 3.1 document of every route the server serves.
func (s *Server) OpenAPI() map[string]any {
	paths := map[string]any{}
	problem := map[string]any{"description": "RFC 9457 problem document",
		"content": map[string]any{"application/problem+json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}}}
	for _, r := range s.routes {
		p := pathParam.ReplaceAllString(r.Path, "{$1}")
		item, _ := paths[p].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[p] = item
		}
		var params []any
		for _, pr := range r.Params {
			params = append(params, map[string]any{"name": pr.Name, "in": pr.In, "required": pr.Required || pr.In == "path",
				"description": pr.Description, "schema": map[string]any{"type": "string"}})
		}
		op := map[string]any{
			"summary":     r.Summary,
			"operationId": strings.ToLower(r.Method) + strings.ReplaceAll(pathParam.ReplaceAllString(r.Path, "By_$1"), "/", "_"),
			"responses": map[string]any{
				"200":     map[string]any{"description": "OK", "content": map[string]any{"application/json": map[string]any{}}},
				"default": problem,
			},
		}
		if params != nil {
			op["parameters"] = params
		}
		if r.Signed {
			// NOTE: OpenAPI has no scheme for RFC 9421 signatures; the
			// extension is what a client checks, the security entry what
			// generic tools show.
			op["x-medledger-signed"] = true
			op["security"] = []any{map[string]any{"httpMessageSignature": []any{}}}
			op["responses"].(map[string]any)["401"] = map[string]any{"description": "The request is not signed (RFC 9421): this route serves data about patients", "content": problem["content"]}
		}
		if r.Method == "POST" {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{}, "application/octet-stream": map[string]any{}}}
		}
		item[strings.ToLower(r.Method)] = op
	}
	paths["/openapi.json"] = map[string]any{"get": map[string]any{"summary": "This document", "operationId": "openapi",
		"responses": map[string]any{"200": map[string]any{"description": "OpenAPI 3.1 document"}}}}
	return map[string]any{
		"openapi": "3.1.0",
		"info":    map[string]any{"title": "medledger API", "version": "1", "description": "REST API of a medledger node. Writes are signed transactions (POST /v1/tx); see docs/transactions.md."},
		"paths":   paths,
		"components": map[string]any{"securitySchemes": map[string]any{"httpMessageSignature": map[string]any{
			"type": "apiKey", "in": "header", "name": "Signature",
			"description": "HTTP Message Signatures (RFC 9421): Signature-Input and Signature headers, Ed25519, keyid SIGNER#KEYID, covering @method and @target-uri, with created, expires and a nonce accepted once. A read of a patient's metadata by anyone but the patient also carries the reader's signed records/lookup transaction (base64) in Medledger-Lookup.",
		}}, "schemas": map[string]any{"Problem": map[string]any{
			"type": "object",
			"properties": map[string]any{
				"type": map[string]any{"type": "string"}, "title": map[string]any{"type": "string"}, "status": map[string]any{"type": "integer"},
				"detail": map[string]any{"type": "string"}, "codespace": map[string]any{"type": "string"}, "code": map[string]any{"type": "integer"},
				"hash": map[string]any{"type": "string"}, "height": map[string]any{"type": "integer"},
			},
			"required": []string{"type", "title", "status", "detail"},
		}}},
	}
}
