package claims

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// fill sets every field of v (a pointer) to random values: strings with
// the characters encoding/json escapes (quotes, backslashes, <, >, &,
// control characters, U+2028, invalid UTF-8) or ASCII only, slices nil,
// empty or full, pointers nil or set, times with nanoseconds in and out
// of UTC.
func fill(r *rand.Rand, v reflect.Value, asciiOnly bool) {
	switch v.Kind() {
	case reflect.Pointer:
		if r.IntN(3) == 0 {
			v.SetZero()
			return
		}
		v.Set(reflect.New(v.Type().Elem()))
		fill(r, v.Elem(), asciiOnly)
	case reflect.String:
		parts := []string{"", "a", "99213", "psn-x", `"`, `\`, "<", ">", "&", "\n", "\t", "\x01", "\x1f", "\x7f", "é", "\u2028", "\u2029", "\xff", "日本", "'", "/"}
		if asciiOnly {
			parts = []string{"", "a", "99213", "psn-x", `"`, `\`, "<", ">", "&", "\n", "\x01", "'", "/", "-"}
		}
		var s string
		for range r.IntN(5) {
			s += parts[r.IntN(len(parts))]
		}
		v.SetString(s)
	case reflect.Int, reflect.Int64:
		v.SetInt([]int64{0, 1, -1, 42, 1 << 40, -1 << 62}[r.IntN(6)])
	case reflect.Uint64:
		v.SetUint([]uint64{0, 1, 7, 1 << 63}[r.IntN(4)])
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 0)
	case reflect.Slice:
		switch r.IntN(4) {
		case 0:
			v.SetZero()
		default:
			n := r.IntN(4)
			v.Set(reflect.MakeSlice(v.Type(), n, n))
			for i := range n {
				fill(r, v.Index(i), asciiOnly)
			}
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			t := time.Unix(r.Int64N(4e9), r.Int64N(1e9))
			if r.IntN(2) == 0 {
				t = t.UTC()
			} else {
				t = t.In(time.FixedZone("x", -5*3600))
			}
			if r.IntN(3) == 0 {
				t = t.Truncate(time.Second)
			}
			v.Set(reflect.ValueOf(t))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() { // not what is kept beside the JSON (Member.facts)
				fill(r, v.Field(i), asciiOnly)
			}
		}
	default:
		panic("fill: " + v.Kind().String())
	}
}

// TestEncodeAsJSON: the claim, member, duplicate, timed-minute and count
// records encode to exactly json.Marshal's bytes, for random values of
// every field (a field added to a type and not to its encoder fails
// here); and the member the memo keeps for its bytes is what decoding
// them gives.
func TestEncodeAsJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 13))
	for i := range 3000 {
		ascii := i%2 == 0
		var c Claim
		var m Member
		var d []dupEntry
		var day dayRecord
		var st Stats
		for _, p := range []any{&c, &m, &d, &day, &st} {
			fill(r, reflect.ValueOf(p).Elem(), ascii)
		}
		for _, v := range []any{&c, m, d, day, st} {
			got, ok := encode(v)
			if !ok {
				t.Fatalf("%T: not encoded", v)
			}
			want, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%T:\n got %s\nwant %s", v, got, want)
			}
		}
		b, _ := encode(m)
		dm, ok := m.decoded()
		if !ascii {
			continue
		}
		if !ok {
			t.Fatalf("an ASCII member is not kept")
		}
		var back Member
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(dm, back) {
			t.Fatalf("the memo keeps\n%#v\ndecoding gives\n%#v", dm, back)
		}
	}
	// Not ASCII: not kept.
	if _, ok := (Member{ID: "psn-\xff"}).decoded(); ok {
		t.Fatal("a member with invalid UTF-8 is kept")
	}
}
