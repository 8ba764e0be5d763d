// Package trials is the clinical-trials module: a sponsor registers a trial
// with its protocol and pre-declared outcomes; amendments are new protocol
// versions, and any outcome added, removed or changed after the first
// participant enrolled is recorded as a switch that nothing can hide; a
// site enrols participants under a pseudonym that holds for this trial
// only; participants consent to a protocol version and withdraw; sites
// anchor case-report data in batches (the Merkle root of each batch); the
// sponsor posts results per outcome.
//
// What it owns: the state under "trials/": trials, protocol versions,
// outcome switches, subjects (pseudonyms, never patient ids) with their
// consent history, data batches (root, count, subjects), results. The
// subjects and batches are about participants: their routes are signed
// reads (ReadSubjects, ReadBatches) and their raw state and transactions
// private (Private).
//
// What it must not do: hold data records, protocol text or consent forms
// (they live encrypted in the sites' and sponsor's vaults; the chain holds
// salted digests and Merkle roots); name a patient (a subject is a
// pseudonym registered through app.Identities; only the participant and
// the site that enrolled them can tie it to a patient); import another
// module or read its keys.
//
// Transitions are deterministic: they read only the state and the block's
// height and time.
package trials
