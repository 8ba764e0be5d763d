package pseudonym

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func master(t testing.TB, seed string) ed25519.PrivateKey {
	t.Helper()
	s := sha256.Sum256([]byte(seed))
	return ed25519.NewKeyFromSeed(s[:])
}

func derive(t testing.TB, m ed25519.PrivateKey, c string) Key {
	t.Helper()
	k, err := Derive(m, c)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// rfc5869 is HKDF-SHA-256 written out from RFC 5869, independently of the
// standard library's crypto/hkdf that Derive uses.
func rfc5869(ikm, salt []byte, info string, n int) []byte {
	ext := hmac.New(sha256.New, salt)
	ext.Write(ikm)
	prk := ext.Sum(nil)
	var out, prev []byte
	for i := byte(1); len(out) < n; i++ {
		h := hmac.New(sha256.New, prk)
		h.Write(prev)
		h.Write([]byte(info))
		h.Write([]byte{i})
		prev = h.Sum(nil)
		out = append(out, prev...)
	}
	return out[:n]
}

// TestKnownAnswers pins the derivation: a change to it would orphan every
// pseudonym on every chain. The values were computed once; the test also
// recomputes them from the documented construction (HKDF-SHA-256 keyed by
// the master seed, salt "medledger/pseudonym/v1", info "sign\n"+context
// and "enc\n"+context), with an HKDF of its own.
func TestKnownAnswers(t *testing.T) {
	m := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{0x42}, 32))
	for _, c := range []struct{ context, signSeed, encPub, id string }{
		{"trials/NCT01234567", "e6eeda2bb07e93a276a62ac805b4692368e30bed7801c278564a2ba53bee3200", "29de697625abb010091a69ace6b4bf73def6af413dfe83baea4d37aa79c5b76d", "psn-h5d5hnbjsm3tp4q72dzgxory"},
		{"claims/unity-health-plan", "f0eaa6d5e174d62d17ab991d5d1ccb0375436ce44edcb1c2f215e0e0e07bf49d", "478e33c78974c13f564501d6d8198fb3abc2f6ba7f38203d18c884775a755809", "psn-c5opwudfd4lo7aazmaogtzod"},
		{"records/lakeside-clinic", "b47b894ee6a6b634f9092e809e95fc7fa1d96ab8f46e68507c35ec42bbdfcaa9", "bb684c32cc4ec588aa6a725b62cba81f2adda00e77fbbaeff6b87f77b9968d45", "psn-tm2xugfbsdmwryktkj7tznfi"},
	} {
		k := derive(t, m, c.context)
		if got := hex.EncodeToString(k.Sign.Seed()); got != c.signSeed {
			t.Errorf("%s: sign seed %s, want %s", c.context, got, c.signSeed)
		}
		if got := hex.EncodeToString(k.EncPub()); got != c.encPub {
			t.Errorf("%s: enc key %s, want %s", c.context, got, c.encPub)
		}
		if got := k.ID(); got != c.id {
			t.Errorf("%s: id %s, want %s", c.context, got, c.id)
		}
		salt := []byte("medledger/pseudonym/v1")
		if want := rfc5869(m.Seed(), salt, "sign\n"+c.context, 32); !bytes.Equal(k.Sign.Seed(), want) {
			t.Errorf("%s: sign seed is not HKDF as documented", c.context)
		}
		enc, err := ecdh.X25519().NewPrivateKey(rfc5869(m.Seed(), salt, "enc\n"+c.context, 32))
		if err != nil || !bytes.Equal(enc.PublicKey().Bytes(), k.EncPub()) {
			t.Errorf("%s: enc key is not HKDF as documented", c.context)
		}
	}
}

func TestIDFormula(t *testing.T) {
	k := derive(t, master(t, "alice"), "trials/T1")
	pub := k.SignPub()
	h := sha256.Sum256(append([]byte("medledger/pseudonym/v1\n"), pub...))
	want := "psn-" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(h[:15]))
	if k.ID() != want || ID(pub) != want {
		t.Fatalf("ID = %s, the documented formula gives %s", k.ID(), want)
	}
	if !IsID(want) {
		t.Fatalf("IsID(%s) = false", want)
	}
	for _, bad := range []string{"", "psn-", "pat-" + want[4:], want + "a", want[:len(want)-1], strings.ToUpper(want), want[:10] + "1" + want[11:]} {
		if IsID(bad) {
			t.Errorf("IsID(%q) = true", bad)
		}
	}
}

// TestUnlinkable: one patient's pseudonyms in two contexts share nothing
// visible (ids, signing and encryption keys differ, and differ from the
// master key's); the same context gives the same pseudonym again; two
// patients differ in one context.
func TestUnlinkable(t *testing.T) {
	alice, bob := master(t, "alice"), master(t, "bob")
	a1, a2 := derive(t, alice, "trials/T1"), derive(t, alice, "trials/T2")
	b1 := derive(t, bob, "trials/T1")
	if again := derive(t, alice, "trials/T1"); again.ID() != a1.ID() || !bytes.Equal(again.EncPub(), a1.EncPub()) {
		t.Fatal("the same master key and context gave another pseudonym")
	}
	pubs := [][]byte{a1.SignPub(), a2.SignPub(), b1.SignPub(), alice.Public().(ed25519.PublicKey), a1.EncPub(), a2.EncPub(), b1.EncPub()}
	for i := range pubs {
		for j := i + 1; j < len(pubs); j++ {
			if bytes.Equal(pubs[i], pubs[j]) {
				t.Errorf("keys %d and %d are equal", i, j)
			}
		}
	}
	if a1.ID() == a2.ID() || a1.ID() == b1.ID() {
		t.Fatal("pseudonyms in different contexts or of different patients share an id")
	}
}

func TestContexts(t *testing.T) {
	m := master(t, "alice")
	for _, c := range []struct {
		context string
		ok      bool
	}{
		{"trials/T1", true},
		{"claims/unity-health-plan/2027", true},
		{"a/b", true},
		{"", false},
		{"ab", false},
		{"trials", false},
		{"/T1", false},
		{"trials/", false},
		{"trials/T 1", false},
		{"trials/T1\n", false},
		{"trials/" + strings.Repeat("x", MaxContext), false},
		{"trials/é", false},
	} {
		_, err := Derive(m, c.context)
		if (err == nil) != c.ok {
			t.Errorf("Derive(%q): %v, want ok %v", c.context, err, c.ok)
		}
		if err != nil && !errors.Is(err, ErrContext) {
			t.Errorf("Derive(%q): %v is not ErrContext", c.context, err)
		}
	}
	if _, err := Derive(ed25519.PrivateKey{1, 2, 3}, "trials/T1"); err == nil {
		t.Error("Derive took a short master key")
	}
}

// TestOwnership: a patient's ownership proof verifies for its audience and
// nonce only; a forged or altered one does not.
func TestOwnership(t *testing.T) {
	alice, bob := master(t, "alice"), master(t, "bob")
	alicePub, bobPub := alice.Public().(ed25519.PublicKey), bob.Public().(ed25519.PublicKey)
	k := derive(t, alice, "trials/T1")
	o, err := Own(alice, "pat-alice", k, "northside-hospital", "n-1")
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Verify(alicePub, k.SignPub(), "northside-hospital", "n-1"); err != nil {
		t.Fatalf("a true proof: %v", err)
	}
	kb := derive(t, bob, "trials/T1")
	forgedByBob, _ := Own(bob, "pat-alice", kb, "northside-hospital", "n-1")
	stolen := o
	stolen.Pseudonym = kb.ID()
	altered := o
	altered.Patient = "pat-bob"
	for _, c := range []struct {
		name         string
		o            Ownership
		patient, psn ed25519.PublicKey
		aud, nonce   string
		want         error
	}{
		{"another audience", o, alicePub, k.SignPub(), "lakeside-clinic", "n-1", ErrMismatch},
		{"another nonce (a replay)", o, alicePub, k.SignPub(), "northside-hospital", "n-2", ErrMismatch},
		{"claimed for another patient's key", o, bobPub, k.SignPub(), "northside-hospital", "n-1", ErrSignature},
		{"bob's pseudonym, alice's name", forgedByBob, alicePub, kb.SignPub(), "northside-hospital", "n-1", ErrSignature},
		{"a pseudonym swapped in", stolen, alicePub, kb.SignPub(), "northside-hospital", "n-1", ErrSignature},
		{"patient id altered", altered, alicePub, k.SignPub(), "northside-hospital", "n-1", ErrSignature},
		{"wrong pseudonym key", o, alicePub, kb.SignPub(), "northside-hospital", "n-1", ErrMismatch},
		{"short key", o, alicePub[:10], k.SignPub(), "northside-hospital", "n-1", ErrSignature},
	} {
		if err := c.o.Verify(c.patient, c.psn, c.aud, c.nonce); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := Own(alice, "pat-alice", k, "north\nside", "n"); err == nil {
		t.Error("Own took a field with a newline")
	}
}

// TestLink: a patient proves two of their pseudonyms are one holder's; a
// proof with one key of someone else's does not verify.
func TestLink(t *testing.T) {
	alice, bob := master(t, "alice"), master(t, "bob")
	a1, a2, b2 := derive(t, alice, "trials/T1"), derive(t, alice, "claims/unity-health-plan"), derive(t, bob, "claims/unity-health-plan")
	l, err := Prove(a1, a2, "heartwell-trials", "n-9")
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Verify(a1.SignPub(), a2.SignPub(), "heartwell-trials", "n-9"); err != nil {
		t.Fatalf("a true link: %v", err)
	}
	forged, _ := Prove(a1, b2, "heartwell-trials", "n-9")
	forged.B = a2.ID()
	if err := forged.Verify(a1.SignPub(), a2.SignPub(), "heartwell-trials", "n-9"); !errors.Is(err, ErrSignature) {
		t.Errorf("a link signed with bob's key verifies as alice's: %v", err)
	}
	if err := l.Verify(a1.SignPub(), a2.SignPub(), "heartwell-trials", "n-10"); !errors.Is(err, ErrMismatch) {
		t.Errorf("a replayed link verifies: %v", err)
	}
	if err := l.Verify(a2.SignPub(), a1.SignPub(), "heartwell-trials", "n-9"); !errors.Is(err, ErrMismatch) {
		t.Errorf("keys in the wrong order verify: %v", err)
	}
	self, _ := Prove(a1, a1, "x", "n")
	if err := self.Verify(a1.SignPub(), a1.SignPub(), "x", "n"); err == nil {
		t.Error("a pseudonym linked to itself verifies")
	}
	if err := l.Verify(nil, a2.SignPub(), "heartwell-trials", "n-9"); err == nil {
		t.Error("a missing key verifies")
	}
}

// FuzzVerify: no proof, however malformed, makes Verify panic, and only a
// proof made by Own/Prove with the right keys verifies.
func FuzzVerify(f *testing.F) {
	m := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))
	k, _ := Derive(m, "trials/T1")
	o, _ := Own(m, "pat-x", k, "aud", "n")
	f.Add(o.Patient, o.Pseudonym, o.Context, o.Audience, o.Nonce, o.PatientSig, o.PseudonymSig, []byte(m.Public().(ed25519.PublicKey)), []byte(k.SignPub()))
	f.Add("", "", "", "", "", []byte{}, []byte{}, []byte{}, []byte{})
	f.Fuzz(func(t *testing.T, patient, psn, ctx, aud, nonce string, s1, s2, pub1, pub2 []byte) {
		got := Ownership{Patient: patient, Pseudonym: psn, Context: ctx, Audience: aud, Nonce: nonce, PatientSig: s1, PseudonymSig: s2}
		if err := got.Verify(pub1, pub2, aud, nonce); err == nil {
			if !bytes.Equal(pub1, m.Public().(ed25519.PublicKey)) && !ed25519.Verify(pub1, got.message(), s1) {
				t.Fatal("verified without a valid signature")
			}
		}
		l := Link{A: patient, B: psn, Audience: aud, Nonce: nonce, SigA: s1, SigB: s2}
		_ = l.Verify(pub1, pub2, aud, nonce)
		_ = CheckContext(ctx)
		_ = IsID(psn)
	})
}

// TestCheckRequest: an enrolment request is consistent only when its keys
// have their sizes, its id is its signing key's and its proof is for that
// pseudonym, context and audience, with a patient and a nonce.
func TestCheckRequest(t *testing.T) {
	master := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))
	k, err := Derive(master, "records/northside-hospital")
	if err != nil {
		t.Fatal(err)
	}
	o, err := Own(master, "pat-x", k, "northside-hospital", "n1")
	if err != nil {
		t.Fatal(err)
	}
	ok := func(id string, sign, enc []byte, o Ownership, ctx, aud string) error {
		return CheckRequest(id, sign, enc, o, ctx, aud)
	}
	if err := ok(k.ID(), k.SignPub(), k.EncPub(), o, "records/northside-hospital", "northside-hospital"); err != nil {
		t.Fatalf("a consistent request: %v", err)
	}
	other, _ := Derive(master, "records/lakeside-clinic")
	noNonce := o
	noNonce.Nonce = ""
	for name, err := range map[string]error{
		"short key":        ok(k.ID(), k.SignPub()[:31], k.EncPub(), o, "records/northside-hospital", "northside-hospital"),
		"another id":       ok(other.ID(), k.SignPub(), k.EncPub(), o, "records/northside-hospital", "northside-hospital"),
		"another context":  ok(k.ID(), k.SignPub(), k.EncPub(), o, "records/lakeside-clinic", "northside-hospital"),
		"another audience": ok(k.ID(), k.SignPub(), k.EncPub(), o, "records/northside-hospital", "lakeside-clinic"),
		"no nonce":         ok(k.ID(), k.SignPub(), k.EncPub(), noNonce, "records/northside-hospital", "northside-hospital"),
	} {
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
