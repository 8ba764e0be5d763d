// Package cmdline is the environment every medledger command runs in, the
// core's and the modules' alike: the home folder and its keystore, the
// node's client, output as text or JSON (-o), signing identities, errors
// with their codes and hints, and progress for long jobs.
//
// A module's commands live in its own cli subpackage (supply/cli,
// records/cli, ...), built on an *Env, and come with the module in one
// Module value; cmd/medledger makes the Env, owns the root command and the
// flags every command shares, and wires the modules. Nothing here reads
// flags or the environment except through the Env that cmd filled in.
//
// Output rules, written once: errors go to stderr as
//
//	medledger: error: CODE (codespace/N, HTTP n): message
//	medledger: hint: how to fix it
//
// lowercase, no trailing period, the hint naming the fix; with -o json the
// same error is also written to stdout as one JSON document
// ({"error": {...}}), so a script reads a document whether the command
// succeeded or not.
package cmdline
