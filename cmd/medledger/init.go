package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/demo"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/keystore"
	"github.com/medledger/medledger/node"
)

func errNotHome(h node.Home) error {
	return cmdline.Fail(cmdline.ErrHome, "%s is not a medledger home (no %s)", h, h.GenesisFile())
}

func (c *CLI) initCmd() *cobra.Command {
	var o node.Options
	var withDemo, insecure bool
	var org identity.Org
	var passFile string
	cmd := &cobra.Command{
		Use: "init",
		Example: `  medledger init --demo --home ./node1 --listen 127.0.0.1:26680 --p2p 127.0.0.1:26656
  medledger init --home ./riverside --org riverside-clinic --org-kind clinic --passphrase-file ./pass.txt`,
		Annotations: map[string]string{cmdline.CreatesHome: "yes"},
		Short:       "Create a single-validator node home: keys, config and genesis",
		Long: `Create a node home with this node as the only validator.

The genesis holds either the demo consortium (--demo) or one founding
organization (--org, --org-kind, --org-name, --jurisdiction) whose admin key
is generated into the home's keystore, protected by the passphrase in
--passphrase-file (or unencrypted with --insecure-keystore, for tests).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			h := c.HomeDir()
			if c.Home == "" {
				return cmdline.Hint(cmdline.Usage("--home is required"), "name a folder for the new node, e.g. --home ./node1")
			}
			if h.Exists() {
				return cmdline.Hint(cmdline.Fail(cmdline.ErrHome, "%s is initialized already", h), "choose another --home, or remove it to start over")
			}
			if err := checkInitFlags(o); err != nil {
				return err
			}
			var keys map[string]*keystore.Key
			var pass []byte
			switch {
			case withDemo:
				dk, err := demo.NewKeys(nil)
				if err != nil {
					return err
				}
				keys = dk
				o.AppState = dk.AppState()
			case org.ID != "":
				if org.Name == "" {
					org.Name = org.ID
				}
				if err := org.Validate(); err != nil {
					return cmdline.Hint(err, "see medledger init --help")
				}
				if passFile == "" && !insecure {
					return cmdline.Hint(cmdline.Usage("the founding admin's key needs a passphrase"), "give --passphrase-file FILE, or --insecure-keystore for a throwaway node")
				}
				if passFile != "" {
					b, err := os.ReadFile(passFile)
					if err != nil {
						return err
					}
					pass = []byte(strings.TrimRight(string(b), "\r\n"))
				}
				k, err := keystore.Generate(identity.MemberID(org.ID, "admin"))
				if err != nil {
					return err
				}
				keys = map[string]*keystore.Key{k.Name: k}
				g := identity.Genesis{Orgs: []identity.Org{org}, Members: []identity.GenesisMember{{ID: k.Name, Role: identity.RoleAdmin, SignKey: k.SignPub(), EncKey: k.EncPub()}}}
				gb, _ := json.Marshal(g)
				o.AppState, _ = json.Marshal(app.Genesis{Modules: map[string]json.RawMessage{"identity": gb}})
			default:
				return cmdline.Hint(cmdline.Usage("say who founds the consortium"), "give --demo, or --org ID --org-kind KIND")
			}
			err := node.Create(h, func() error {
				if err := node.Init(h, o); err != nil {
					return err
				}
				ks := keystore.Store{Dir: h.KeysDir()}
				for _, k := range keys {
					p := pass
					if withDemo {
						p = nil
					}
					if err := ks.Save(k, p); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
			return c.Print(map[string]any{"home": string(h), "chain_id": o.ChainID, "genesis": h.GenesisFile()}, func(w io.Writer) {
				fmt.Fprintf(w, "initialized %s for chain %s\nstart it with: medledger start --home %s\n", h, o.ChainID, h)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.ChainID, "chain-id", "medledger", "chain id")
	f.StringVar(&o.Moniker, "moniker", "node", "this node's name")
	f.StringVar(&o.APIListen, "listen", node.DefaultAPIListen, "API address host:port")
	f.StringVar(&o.APIListen, "api", node.DefaultAPIListen, "API address host:port")
	cmdline.Deprecate(cmd, "api", "listen")
	f.StringVar(&o.P2PListen, "p2p", "127.0.0.1:26656", "peer-to-peer address host:port")
	f.DurationVar(&o.BlockTime, "block-time", node.DefaultBlockTime, "pause between blocks")
	f.BoolVar(&withDemo, "demo", false, "put the demo consortium in the genesis (unencrypted keys)")
	f.StringVar(&org.ID, "org", "", "founding organization id")
	f.StringVar(&org.Name, "org-name", "", "founding organization display name")
	f.StringVar(&org.Kind, "org-kind", "", "founding organization kind ("+strings.Join(identity.Kinds, ", ")+")")
	f.StringVar(&org.Jurisdiction, "jurisdiction", "US", "founding organization jurisdiction (ISO 3166)")
	f.StringVar(&passFile, "passphrase-file", "", "file holding the passphrase for the admin key")
	f.BoolVar(&insecure, "insecure-keystore", false, "store the admin key unencrypted")
	return cmd
}

// checkInitFlags checks init's node options, naming the flag at fault,
// before anything is created.
func checkInitFlags(o node.Options) error {
	if err := node.CheckAddr(o.APIListen); err != nil {
		return cmdline.Hint(cmdline.Usage("--listen %s", cmdline.Short(err.Error())), "give the API address as host:port, e.g. --listen 127.0.0.1:26680")
	}
	if err := node.CheckAddr(o.P2PListen); err != nil {
		return cmdline.Hint(cmdline.Usage("--p2p %s", cmdline.Short(err.Error())), "give the peer-to-peer address as host:port, e.g. --p2p 127.0.0.1:26656")
	}
	if err := node.CheckBlockTime(o.BlockTime); err != nil {
		return cmdline.Hint(cmdline.Usage("--block-time: %v", err), "e.g. --block-time 500ms")
	}
	if o.Moniker == "" {
		return cmdline.Hint(cmdline.Usage("--moniker is empty"), "name this node, e.g. --moniker northside-1")
	}
	if err := o.Validate(); err != nil {
		return cmdline.Hint(cmdline.Usage("%s", cmdline.Short(err.Error())), "see medledger init --help")
	}
	return nil
}
