package custodian

// SetBeforeShred makes the shredder call fn before it destroys each
// document (the crash test stops the process there).
func SetBeforeShred(fn func(record string)) { beforeShred = fn }
