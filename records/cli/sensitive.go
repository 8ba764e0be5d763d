// Sensitive records on the command line: records add --sensitivity,
// consent grant --sensitive.

package cli

import (
	"strings"

	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/records"
)

// sensitivityHelp explains sensitive records in records add's help.
const sensitivityHelp = `A record of a sensitive category (HL7 ActCode ` + "PSY, ETH, SUD, SEX, STD, HIV" + `, given
with --sensitivity or as a meta.security label of the document) is restricted:
the chain shows its category as "restricted" with an opaque tag only the
patient and the custodian can read, and only a consent naming that category
(consent grant --sensitive) opens it; break-glass on it is flagged for review`

// sensitivityTags turns the sensitive categories a patient names into
// their tags at the custodian whose node the command talks to: a consent
// names tags, never codes.
func (c *cmds) sensitivityTags(as string, codes []string) ([]string, error) {
	if len(codes) == 0 {
		return nil, nil
	}
	for _, code := range codes {
		if !records.ValidSensitivity(code) {
			return nil, usage("a sensitive category is an HL7 ActCode: "+strings.Join(records.Sensitivities, ", "), "--sensitive %q is not one", cmdline.Short(code))
		}
	}
	s, err := c.signer(as)
	if err != nil {
		return nil, err
	}
	tags, err := c.Client().SensitivityTags(c.Ctx, s, s.Key.ID)
	if err != nil {
		return nil, cmdline.Hint(err, "--sensitive asks the custodian's node for your tags: give its --node, and sign as the patient")
	}
	var out []string
	for _, code := range codes {
		for _, t := range tags {
			if t.Code == code {
				out = append(out, t.Tag)
			}
		}
	}
	return out, nil
}
