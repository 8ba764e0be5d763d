package api

import (
	"fmt"
	"sync"

	"github.com/medledger/medledger"
)

var (
	codesMu sync.RWMutex
	codes   = map[string]medledger.Code{}
)

// RegisterCodes makes codes known to the server, so that an ABCI result
// (codespace, code) is answered with the right slug and HTTP status. Each
// module registers its codes once at wiring time.
func RegisterCodes(cs ...medledger.Code) {
	codesMu.Lock()
	defer codesMu.Unlock()
	for _, c := range cs {
		codes[fmt.Sprintf("%s/%d", c.Codespace, c.Code)] = c
	}
}

func lookupCode(codespace string, code uint32) medledger.Code {
	codesMu.RLock()
	c, ok := codes[fmt.Sprintf("%s/%d", codespace, code)]
	codesMu.RUnlock()
	if !ok {
		return medledger.Code{Codespace: codespace, Code: code, Slug: fmt.Sprintf("code-%d", code), Kind: medledger.KindInvalid}
	}
	return c
}
