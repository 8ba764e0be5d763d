package cmdline

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"unicode/utf8"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/keystore"
)

// Codespace of the command line's own errors: those found before anything
// reaches a node.
const Codespace = "cli"

// The command line's error codes. Append-only: scripts match on them.
var (
	ErrFailed      = medledger.Code{Codespace: Codespace, Code: 1, Slug: "failed", Kind: medledger.KindInternal}
	ErrUsage       = medledger.Code{Codespace: Codespace, Code: 2, Slug: "usage", Kind: medledger.KindInvalid}
	ErrUnreachable = medledger.Code{Codespace: Codespace, Code: 3, Slug: "unreachable", Kind: medledger.KindUnavailable}
	ErrKey         = medledger.Code{Codespace: Codespace, Code: 4, Slug: "key", Kind: medledger.KindNotFound}
	ErrHome        = medledger.Code{Codespace: Codespace, Code: 5, Slug: "home", Kind: medledger.KindInvalid}
	ErrFile        = medledger.Code{Codespace: Codespace, Code: 6, Slug: "file", Kind: medledger.KindInvalid}
	ErrNotVerified = medledger.Code{Codespace: Codespace, Code: 7, Slug: "not-verified", Kind: medledger.KindConflict}
	ErrInterrupted = medledger.Code{Codespace: Codespace, Code: 8, Slug: "interrupted", Kind: medledger.KindUnavailable}
	// ErrCannotVerify is a proof that could not be checked: no trusted
	// genesis, a stale view, or an answer the validators did not sign.
	ErrCannotVerify = medledger.Code{Codespace: Codespace, Code: 9, Slug: "cannot-verify", Kind: medledger.KindUnavailable}
	// ErrDamaged is a node's home whose check found damage.
	ErrDamaged = medledger.Code{Codespace: Codespace, Code: 10, Slug: "damaged", Kind: medledger.KindConflict}
	// ErrOutcomeUnknown is a transaction sent whose outcome is unknown:
	// the node did not answer, and a lookup by hash did not settle it.
	ErrOutcomeUnknown = medledger.Code{Codespace: Codespace, Code: 11, Slug: "outcome-unknown", Kind: medledger.KindUnavailable}
)

// Codes are the command line's error codes, for docs.
var Codes = []medledger.Code{ErrFailed, ErrUsage, ErrUnreachable, ErrKey, ErrHome, ErrFile, ErrNotVerified, ErrInterrupted, ErrCannotVerify, ErrDamaged, ErrOutcomeUnknown}

// Usage is a mistake in a command's flags or arguments, found before
// anything was sent.
func Usage(format string, args ...any) error {
	return &medledger.Error{Codespace: Codespace, Code: ErrUsage.Code, Slug: ErrUsage.Slug, Kind: ErrUsage.Kind, Detail: fmt.Sprintf(format, args...)}
}

// Fail is an error of code c with a message (and an optional cause, wrapped
// with %w).
func Fail(c medledger.Code, format string, args ...any) error {
	return &medledger.Error{Codespace: c.Codespace, Code: c.Code, Slug: c.Slug, Kind: c.Kind, Detail: fmt.Sprintf(format, args...)}
}

// hinted is an error with a hint that names the fix.
type hinted struct {
	err  error
	hint string
}

func (h *hinted) Error() string { return h.err.Error() }
func (h *hinted) Unwrap() error { return h.err }

// Hint attaches a hint to err; the outermost hint wins when printed.
func Hint(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return &hinted{err: err, hint: fmt.Sprintf(format, args...)}
}

// HintOf is the hint attached to err, or "".
func HintOf(err error) string {
	var h *hinted
	if errors.As(err, &h) {
		return h.hint
	}
	return ""
}

// ExitError makes a command exit with Code after printing Err: an answer
// that is not a failure of the command (verify's NOT ANCHORED exits 1).
// Its answer was printed already, so with -o json no error document is
// added.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// maxEcho is how much of a value an error message repeats back.
const maxEcho = 80

// Short is s cut to a short prefix when it is long, saying how long it
// was, so that an error never echoes a huge value (a pasted file, a
// runaway argument) back at its user.
func Short(s string) string {
	if len(s) <= maxEcho {
		return s
	}
	cut := maxEcho
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s... (%d bytes)", s[:cut], len(s))
}

// Described is an error as medledger shows it: its code, where the code
// comes from, and the message.
type Described struct {
	Code      string `json:"code"`      // the code's name: "recalled", "usage"
	Codespace string `json:"codespace"` // "supply", "cli", ...
	Number    uint32 `json:"number"`    // the code's number in its codespace
	Status    int    `json:"status,omitempty"`
	Message   string `json:"message"`
	Hint      string `json:"hint,omitempty"`
	Tx        string `json:"tx,omitempty"`     // the transaction concerned, if any
	Height    int64  `json:"height,omitempty"` // its block, if it reached one
}

// Describe gives err its code: the node's problem when the node answered,
// a medledger error's own code, or the command line's code for what went
// wrong here.
func Describe(err error) Described {
	d := Described{Message: err.Error(), Hint: HintOf(err)}
	var ce *client.Error
	var me *medledger.Error
	var ue *client.UnreachableError
	var oe *client.OutcomeUnknownError
	switch {
	case errors.As(err, &oe):
		d.Code, d.Codespace, d.Number, d.Tx = ErrOutcomeUnknown.Slug, Codespace, ErrOutcomeUnknown.Code, oe.Hash
		if d.Hint == "" {
			d.Hint = "look it up by its hash: medledger query tx " + oe.Hash
		}
	case errors.As(err, &ce):
		d.Code, d.Codespace, d.Number, d.Status = ce.Title, ce.Codespace, ce.Code, ce.Status
		d.Tx, d.Height = ce.Hash, ce.Height
		d.Message = strings.Replace(d.Message, ce.Error(), ce.Detail, 1)
		if d.Codespace == "" {
			d.Codespace = "api"
		}
	case errors.As(err, &me):
		d.Code, d.Codespace, d.Number = me.Slug, me.Codespace, me.Code
		inner := me.Detail
		if me.Err != nil {
			inner += ": " + me.Err.Error()
		}
		d.Message = strings.Replace(d.Message, me.Error(), inner, 1)
	case errors.As(err, &ue):
		d.Code, d.Codespace, d.Number = ErrUnreachable.Slug, Codespace, ErrUnreachable.Code
	case errors.Is(err, keystore.ErrNotFound):
		d.Code, d.Codespace, d.Number = ErrKey.Slug, Codespace, ErrKey.Code
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrPermission), isPathError(err):
		d.Code, d.Codespace, d.Number = ErrFile.Slug, Codespace, ErrFile.Code
	default:
		d.Code, d.Codespace, d.Number = ErrFailed.Slug, Codespace, ErrFailed.Code
	}
	return d
}

func isPathError(err error) bool {
	var pe *fs.PathError
	return errors.As(err, &pe)
}

// Line is the error's first line: "CODE (codespace/N, HTTP n): message".
func (d Described) Line() string {
	where := fmt.Sprintf("%s/%d", d.Codespace, d.Number)
	if d.Status != 0 {
		where += fmt.Sprintf(", HTTP %d", d.Status)
	}
	return fmt.Sprintf("%s (%s): %s", d.Code, where, d.Message)
}

// PrintError writes err to stderr in the one format; with asJSON also to
// stdout as {"error": {...}}, unless err is an *ExitError (whose answer
// was printed).
func PrintError(stdout, stderr io.Writer, err error, asJSON bool) {
	d := Describe(err)
	fmt.Fprintf(stderr, "medledger: error: %s\n", d.Line())
	if d.Hint != "" {
		fmt.Fprintf(stderr, "medledger: hint: %s\n", d.Hint)
	}
	var ee *ExitError
	if asJSON && !errors.As(err, &ee) {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(struct {
			Error Described `json:"error"`
		}{d})
	}
}
