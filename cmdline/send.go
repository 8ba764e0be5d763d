package cmdline

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/keystore"
)

// AsFlag registers --as, the identity a command signs as.
func AsFlag(cmd *cobra.Command, as *string, example string) {
	cmd.Flags().StringVar(as, "as", "", "identity to sign as, a keystore key name (e.g. "+example+"; medledger keys list shows them)")
}

// Signer loads the key of identity name (a keystore key name, --as) to sign
// with. An encrypted key's passphrase comes from MEDLEDGER_PASSPHRASE.
func (e *Env) Signer(name string) (client.Signer, error) {
	if name == "" {
		return client.Signer{}, Hint(Usage("--as is required"), "name the identity to sign as, e.g. --as northside-hospital/dr-chen (medledger keys list shows them)")
	}
	ks := e.Keystore()
	k, err := ks.Load(name, passphrase(name))
	if errors.Is(err, keystore.ErrNotFound) {
		return client.Signer{}, Hint(err, "medledger keys list shows the keys in %s; use --home to pick another keystore", ks.Dir)
	}
	if err != nil && HintOf(err) == "" {
		return client.Signer{}, Hint(err, "--as names a key of the keystore: org/member or patient/name (medledger keys list shows them)")
	}
	if err != nil {
		return client.Signer{}, err
	}
	return client.Signer{Key: k}, nil
}

// passphrase reads an encrypted key's passphrase from MEDLEDGER_PASSPHRASE.
func passphrase(name string) func() ([]byte, error) {
	return func() ([]byte, error) {
		if p := os.Getenv("MEDLEDGER_PASSPHRASE"); p != "" {
			return []byte(p), nil
		}
		return nil, Hint(Fail(ErrKey, "key %s is encrypted", name), "set MEDLEDGER_PASSPHRASE to its passphrase")
	}
}

// KeyInfo reads the public part of a keystore key, without decrypting it.
func (e *Env) KeyInfo(name string) (keystore.File, error) {
	ks := e.Keystore()
	f, err := ks.Info(name)
	if errors.Is(err, keystore.ErrNotFound) {
		return f, Hint(err, "medledger keys list shows the keys in %s; medledger keys add %s creates one", ks.Dir, Short(name))
	}
	if err != nil {
		return f, Hint(err, "key names are org/member or patient/name")
	}
	return f, nil
}

// SignerOrg is the organization of the key named as, read without
// decrypting it.
func (e *Env) SignerOrg(as string) (string, error) {
	if as == "" {
		return "", Hint(Usage("--as is required"), "name the identity to sign as, e.g. --as northside-hospital/admin (medledger keys list shows them)")
	}
	f, err := e.KeyInfo(as)
	if err != nil {
		return "", err
	}
	org, _, _ := strings.Cut(f.ID, "/")
	return org, nil
}

// Sent is a committed transaction as commands print it.
type Sent struct {
	Type   string `json:"type"`
	Signer string `json:"signer"`
	Hash   string `json:"tx_hash"`
	Height int64  `json:"height"`
}

// Text writes the transaction's signer, height and hash, indented.
func (t Sent) Text(w io.Writer) {
	fmt.Fprintf(w, "  signer %s\n  height %d\n  tx     %s\n", t.Signer, t.Height, t.Hash)
}

// TxRef names a committed transaction: its hash and block.
type TxRef struct {
	Hash   string `json:"tx_hash"`
	Height int64  `json:"height"`
}

// Send signs body as the identity as, sends it as a transaction of type
// typ and returns once its block committed. A refusal comes back with the
// hint its code has (Explain).
func (e *Env) Send(as, typ string, body any) (Sent, api.TxResponse, error) {
	s, err := e.Signer(as)
	if err != nil {
		return Sent{}, api.TxResponse{}, err
	}
	res, err := e.Client().Send(e.Ctx, s, typ, body, "commit")
	if err != nil {
		return Sent{}, res, e.Explain(err, typ, as)
	}
	return Sent{Type: typ, Signer: s.Key.ID, Hash: res.Hash, Height: res.Height}, res, nil
}

// EventAttr is the value of attribute key of the first event of type typ
// that res emitted, or "".
func EventAttr(res api.TxResponse, typ, key string) string {
	for _, ev := range res.Events {
		if ev.Type != typ {
			continue
		}
		for _, a := range ev.Attributes {
			if a.Key == key {
				return a.Value
			}
		}
	}
	return ""
}
