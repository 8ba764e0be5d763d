package trials

import (
	"encoding/binary"
)

// State keys, all under "trials/". A trial id has no '/', so the prefixes
// of one trial never run into another's.
const (
	prefixTrial   = "trials/trial/"   // + trial -> Trial
	prefixVersion = "trials/version/" // + trial + "/" + version (8 bytes) -> Version
	prefixSwitch  = "trials/switch/"  // + trial + "/" + seq (8 bytes) -> Switch
	prefixSubject = "trials/subject/" // + trial + "/" + subject id -> Subject
	prefixBatch   = "trials/batch/"   // + trial + "/" + seq (8 bytes) -> Batch
	prefixResult  = "trials/result/"  // + trial + "/" + outcome code -> Result
	keySeqTrial   = "trials/seq/trial"
)

// TrialKey is the state key of a trial.
func TrialKey(id string) []byte { return []byte(prefixTrial + id) }

func seqKey(prefix, trial string, n uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte(prefix+trial+"/"), n)
}

// VersionKey is the state key of a protocol version.
func VersionKey(trial string, v uint64) []byte { return seqKey(prefixVersion, trial, v) }

// SwitchKey is the state key of an outcome switch.
func SwitchKey(trial string, n uint64) []byte { return seqKey(prefixSwitch, trial, n) }

// BatchKey is the state key of a data batch.
func BatchKey(trial string, n uint64) []byte { return seqKey(prefixBatch, trial, n) }

// SubjectKey is the state key of a subject of a trial.
func SubjectKey(trial, subject string) []byte { return []byte(prefixSubject + trial + "/" + subject) }

// ResultKey is the state key of a result for an outcome.
func ResultKey(trial, outcome string) []byte { return []byte(prefixResult + trial + "/" + outcome) }

// prefixOf is the prefix of every key of kind prefix for trial.
func prefixOf(prefix, trial string) []byte { return []byte(prefix + trial + "/") }

// prefixEnd is the first key after every key starting with p.
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}
