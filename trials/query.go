package trials

import (
	"encoding/json"
	"fmt"

	"github.com/medledger/medledger/state"
)

// decode reads a stored value; a value that does not decode is a corrupt
// store, and going on would diverge.
func decode(b []byte, v any) {
	if err := json.Unmarshal(b, v); err != nil {
		panic(fmt.Errorf("trials: corrupt value: %w", err))
	}
}

// GetTrial reads a trial.
func GetTrial(r state.Reader, id string) (Trial, bool) {
	var t Trial
	if !ValidTrialID(id) {
		return t, false
	}
	return t, get(r, TrialKey(id), &t)
}

// ListTrials lists every trial, by id.
func ListTrials(r state.Reader) []Trial {
	var out []Trial
	p := []byte(prefixTrial)
	r.Iterate(p, prefixEnd(p), func(_, v []byte) bool {
		var t Trial
		decode(v, &t)
		out = append(out, t)
		return true
	})
	return out
}

func list[T any](r state.Reader, prefix, trial string) []T {
	var out []T
	p := prefixOf(prefix, trial)
	r.Iterate(p, prefixEnd(p), func(_, v []byte) bool {
		var x T
		decode(v, &x)
		out = append(out, x)
		return true
	})
	return out
}

// Versions lists a trial's protocol versions, oldest first.
func Versions(r state.Reader, trial string) []Version { return list[Version](r, prefixVersion, trial) }

// Switches lists a trial's outcome switches, oldest first.
func Switches(r state.Reader, trial string) []Switch { return list[Switch](r, prefixSwitch, trial) }

// Subjects lists a trial's subjects, by id.
func Subjects(r state.Reader, trial string) []Subject { return list[Subject](r, prefixSubject, trial) }

// Batches lists a trial's data batches, oldest first.
func Batches(r state.Reader, trial string) []Batch { return list[Batch](r, prefixBatch, trial) }

// Results lists a trial's results, by outcome code.
func Results(r state.Reader, trial string) []Result { return list[Result](r, prefixResult, trial) }

// GetSubject reads one subject of a trial.
func GetSubject(r state.Reader, trial, id string) (Subject, bool) {
	var s Subject
	return s, get(r, SubjectKey(trial, id), &s)
}

// View is a trial as `trials show` and GET /v1/trials/{id} show it: the
// trial, every protocol version and outcome switch, the results, and which
// declared outcomes have no result yet and which results are for outcomes
// never declared.
type View struct {
	Trial
	Versions   []Version `json:"versions"`
	Switches   []Switch  `json:"switches"`
	Results    []Result  `json:"results"`
	Unreported []string  `json:"unreported_outcomes"`
	Undeclared []string  `json:"undeclared_results"`
}

// Show builds the view of a trial.
func Show(r state.Reader, t Trial) View {
	v := View{Trial: t, Versions: Versions(r, t.ID), Switches: Switches(r, t.ID), Results: Results(r, t.ID),
		Unreported: []string{}, Undeclared: []string{}}
	if v.Switches == nil {
		v.Switches = []Switch{}
	}
	if v.Results == nil {
		v.Results = []Result{}
	}
	reported := map[string]bool{}
	for _, res := range v.Results {
		reported[res.Outcome] = true
		if _, ok := t.Declared(res.Outcome); !ok {
			v.Undeclared = append(v.Undeclared, res.Outcome)
		}
	}
	for _, o := range t.Outcomes {
		if !reported[o.Code] {
			v.Unreported = append(v.Unreported, o.Code)
		}
	}
	return v
}
