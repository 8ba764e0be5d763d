package medledger

import (
	"errors"
	"fmt"
)

// Kind classifies an error by what the caller should do about it. Kinds map
// once, in the api package, to HTTP statuses. Kinds are append-only: never
// reorder or reuse them.
type Kind uint8

const (
	KindInternal        Kind = iota // a bug or a storage fault; shown to users only as "internal error"
	KindInvalid                     // malformed or semantically wrong input
	KindUnauthorized                // the signer may not do this
	KindNotFound                    // the object does not exist
	KindConflict                    // the object exists already, or is in the wrong state
	KindTooLarge                    // input over a documented limit
	KindGone                        // the object existed and was erased
	KindUnavailable                 // the node cannot serve the request now
	KindUnauthenticated             // the request does not say who sends it (an unsigned read of patient-scoped data)
)

// Error is the one error type of medledger. Codespace and Code are stable:
// clients match on them, ABCI results carry them, and they never change
// meaning once released. Slug is the short machine name of the code
// ("bad-signature"), used in problem document types.
type Error struct {
	Codespace string // "tx", "identity", "notary", ...
	Code      uint32 // unique within the codespace; 0 is never used
	Slug      string // kebab-case name of the code
	Kind      Kind
	Detail    string // what was wrong and how to fix it, lowercase, no trailing period
	Err       error  // optional cause
}

func (e *Error) Error() string {
	s := e.Codespace + "/" + e.Slug + ": " + e.Detail
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error with the same codespace and code,
// so that errors.Is(err, notary.ErrAlreadyAnchored) matches any instance.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Codespace == e.Codespace && t.Code == e.Code
}

// Code declares a stable error code. Each module declares its codes once, in
// its errors.go, and builds errors from them with Wrapf or New.
type Code struct {
	Codespace string
	Code      uint32
	Slug      string
	Kind      Kind
}

// New returns an *Error of this code with a detail message.
func (c Code) New(format string, args ...any) *Error {
	return &Error{Codespace: c.Codespace, Code: c.Code, Slug: c.Slug, Kind: c.Kind, Detail: fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error of this code that wraps cause.
func (c Code) Wrap(cause error, format string, args ...any) *Error {
	e := c.New(format, args...)
	e.Err = cause
	return e
}

// Is lets errors.Is(err, someCode.Sentinel()) work; see Sentinel.
func (c Code) Sentinel() *Error {
	return &Error{Codespace: c.Codespace, Code: c.Code, Slug: c.Slug, Kind: c.Kind}
}

// As extracts the *Error from err. An error that is not a medledger error is
// reported as an internal error, with its text kept only in Err.
func As(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Codespace: "medledger", Code: 1, Slug: "internal", Kind: KindInternal, Detail: "internal error", Err: err}
}

// HasCode reports whether err is a medledger error of code c.
func HasCode(err error, c Code) bool {
	var e *Error
	return errors.As(err, &e) && e.Codespace == c.Codespace && e.Code == c.Code
}
