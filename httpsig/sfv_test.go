package httpsig

import "testing"

func TestParseDictionary(t *testing.T) {
	for _, c := range []struct{ in, canon string }{
		{`a=1`, `a=1`},
		{`a=1, b=2`, `a=1, b=2`},
		{"a=1 ,\tb=2 ", `a=1, b=2`},
		{`  a=007`, `a=7`},
		{`a=-1.50`, `a=-1.5`},
		{`a=2.000`, `a=2.0`},
		{`a="q\"uo\\te"`, `a="q\"uo\\te"`},
		{`a=tok/en:1*`, `a=tok/en:1*`},
		{`a=:AQID:`, `a=:AQID:`},
		{`a=:AQI:`, `a=:AQI=:`}, // padding may be missing
		{`a=?0, b=?1, c`, `a=?0, b, c`},
		{`a;x=1;y`, `a;x=1;y`},
		{`a=( "x"  y;p=1 );q=?0`, `a=("x" y;p=1);q=?0`},
		{`a=()`, `a=()`},
		{`*a.b-c_d=1`, `*a.b-c_d=1`},
		{`a=999999999999999`, `a=999999999999999`},
	} {
		d, err := parseDictionary(c.in)
		if err != nil {
			t.Errorf("parseDictionary(%q): %v", c.in, err)
			continue
		}
		if got := d.String(); got != c.canon {
			t.Errorf("parseDictionary(%q).String() = %q, want %q", c.in, got, c.canon)
		}
	}
	for _, in := range []string{
		``, ` `, `A=1`, `1a=1`, `a=1,`, `a=1,,b=2`, `a=1 b=2`, `a=1, a=2`, `a;x;x`,
		`a=1000000000000000`, `a=1234567890123.5`, `a=1.2345`, `a=1.`, `a=-`, `a=--1`,
		`a="unterminated`, `a="\q"`, "a=\"tab\there\"", `a="é"`,
		`a=:AQID`, `a=:A*ID:`, `a=:A=QID:`, `a=:AR==:`, // AR== has non-zero padding bits
		`a=?`, `a=?2`, `a=(`, `a=("x"`, `a=("x""y")`, `a=(1);`, `a=@123`, `a=%"x"`, `a=`, `a=,`,
	} {
		if d, err := parseDictionary(in); err == nil {
			t.Errorf("parseDictionary(%q) = %s, want an error", in, d)
		}
	}
}
