package cmdline

import (
	"errors"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger"
)

func TestExplainArgs(t *testing.T) {
	ran := false
	root := &cobra.Command{Use: "medledger", SilenceErrors: true, SilenceUsage: true}
	records := &cobra.Command{Use: "records"}
	list := &cobra.Command{Use: "list", Args: cobra.NoArgs, RunE: func(*cobra.Command, []string) error { ran = true; return nil },
		Example: "  medledger records list --as patient/alice   # yours\n  medledger records list --patient patient/bob"}
	show := &cobra.Command{Use: "show ID", Args: cobra.ExactArgs(1), RunE: func(*cobra.Command, []string) error { return nil }}
	records.AddCommand(list, show)
	root.AddCommand(records)
	ExplainArgs(root)

	root.SetArgs([]string{"records", "list", "patient/alice"})
	err := root.Execute()
	var e *medledger.Error
	if !errors.As(err, &e) || e.Slug != ErrUsage.Slug || ran {
		t.Fatalf("a stray argument: %v (ran %v), want a usage error before the command runs", err, ran)
	}
	if !strings.Contains(err.Error(), "medledger records list takes no arguments") || !strings.Contains(err.Error(), `"patient/alice"`) {
		t.Errorf("error: %v", err)
	}
	if h := HintOf(err); h != "for example: medledger records list --as patient/alice (more in medledger records list --help)" {
		t.Errorf("hint: %q", h)
	}

	root.SetArgs([]string{"records", "list"})
	if err := root.Execute(); err != nil || !ran {
		t.Errorf("without arguments: %v (ran %v)", err, ran)
	}
	root.SetArgs([]string{"records", "show"})
	if err := root.Execute(); err == nil || !strings.Contains(err.Error(), "accepts 1 arg") {
		t.Errorf("other argument checks are left as they are: %v", err)
	}

	root.SetArgs([]string{"records", "lsit"})
	err = root.Execute()
	if !errors.As(err, &e) || e.Slug != ErrUsage.Slug || !strings.Contains(err.Error(), `medledger records has no verb "lsit"`) {
		t.Errorf("an unknown verb below the root: %v, want a usage error", err)
	}
	if h := HintOf(err); h != "did you mean medledger records list?" {
		t.Errorf("hint: %q", h)
	}
	var out strings.Builder
	root.SetOut(&out)
	root.SetArgs([]string{"records"})
	if err := root.Execute(); err != nil || !strings.Contains(out.String(), "Available Commands") {
		t.Errorf("a verb group alone prints its help: %v\n%s", err, out.String())
	}
}
