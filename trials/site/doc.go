// Package site is the trials module's off-chain service on a node: the part
// of a trial that lives in the node's vault rather than on the chain.
//
// What it owns:
//
//   - Trial documents. A member stores a protocol document or a consent
//     form encrypted in this node's vault (POST /v1/trials/documents, a
//     request signed per RFC 9421) and gets its ref and the vault's salted
//     digest, for trials/register and trials/amend.
//   - Data batches. A member of one of a trial's sites sends case-report
//     records (POST /v1/trials/{id}/data, signed); the service makes each
//     record's leaf with a fresh salt (trials/dataset), builds the batch's
//     RFC 6962 tree and stores the batch (each record's leaf hash, subject
//     and leaf) as one vault document. It answers the ref, root, count and
//     subjects that the site then anchors with trials/data.
//   - Reads of a batch (GET /v1/trials/{id}/batches/{seq}/data, signed) by
//     the trial's sponsor or a member of one of its sites: the batch
//     document with its key wrapped for the reader's X25519 key, which the
//     reader opens (vault.OpenBlob) to write an export.
//   - Removal. When a participant withdraws asking for their data to be
//     removed (a committed trials.withdrawn with remove_data=true), the
//     service rewrites every batch document it holds with their records
//     without their leaves (each index keeps its leaf hash and subject, so
//     the batch still proves whole against its anchored root) and
//     crypto-shreds the old document. A small durable index, one file per
//     batch written atomically, maps the chain's batch ref to the current
//     document; on start, the service finishes what a crash interrupted.
//   - The FHIR R4 views of trials under /fhir: ResearchStudy (search,
//     read), ResearchSubject (search by study, read) and the participants'
//     Consents (with _include=ResearchSubject:consent). Participants are
//     served only on a signed request by a member of the trial's sponsor or
//     sites, a regulator's inspector, or the participant (their own):
//     trials.ReadSubjects, as GET /v1/trials/{id}/subjects.
//
// It MUST NOT decide anything the chain decides: who may add data for
// which subject, and whether a subject's consent holds, are the trials
// transactions' rules; a batch the chain refuses stays an orphan document
// that nothing refers to. It serves a document as a batch only if it
// stored it as that trial's batch and the chain anchored it with the same
// root. It never sees or stores a patient id: participants are known by
// their pseudonym for the trial.
package site
