package vault_test

import (
	"bufio"
	"bytes"
	"crypto/ecdh"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/vault"
	"github.com/medledger/medledger/vault/disk"
)

// crashDoc is document i of the crash tests: self-describing, so that a
// document found on disk can be checked without knowing which Put made it.
func crashDoc(i int) []byte {
	c := rand.NewChaCha8([32]byte{byte(i), byte(i >> 8), byte(i >> 16)})
	r := rand.New(c)
	header := fmt.Appendf(nil, "crash doc %d\n", i)
	size := len(header) + r.IntN(256<<10)
	if i%7 == 0 {
		size += 1 << 20 // some large ones, so that a kill often lands mid-write
	}
	doc := make([]byte, size)
	c.Read(doc[copy(doc, header):])
	return doc
}

// checkCrashDoc reports whether b is some crashDoc(i), and which.
func checkCrashDoc(b []byte) (int, bool) {
	line, _, ok := bytes.Cut(b, []byte("\n"))
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(strings.TrimPrefix(string(line), "crash doc "))
	return i, err == nil && bytes.Equal(crashDoc(i), b)
}

// crashReader is the fixed recipient of the crash tests' documents.
func crashReader(t testing.TB) *ecdh.PrivateKey {
	k, err := ecdh.X25519().NewPrivateKey(bytes.Repeat([]byte{42}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

const crashChildEnv = "MEDLEDGER_VAULT_CRASH_CHILD"

// TestCrashChild is the child process of TestCrashKill: it writes, wraps
// and deletes documents in a loop until it is killed, printing each step
// once it returned. It does nothing in a normal run.
func TestCrashChild(t *testing.T) {
	spec := os.Getenv(crashChildEnv)
	if spec == "" {
		t.Skip("only run as the child of TestCrashKill")
	}
	dir, kekPath, _ := strings.Cut(spec, "|")
	start, _ := strconv.Atoi(os.Getenv(crashChildEnv + "_START"))
	kek, err := vault.LoadKEK(vault.KEKConfig{Path: kekPath, Protection: vault.KEKUnprotected})
	if err != nil {
		t.Fatal(err)
	}
	v := openTestVault(t, dir, kek, disk.Options{})
	reader := pub(crashReader(t))
	other := pub(newKey(t))
	var ids []vault.DocID
	for i := start; ; i++ {
		r, err := v.Put(ctx, crashDoc(i), reader)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(os.Stdout, "put %d %s\n", i, r.ID)
		ids = append(ids, r.ID)
		if i%3 == 0 {
			if _, err := v.Wrap(ctx, r.ID, other); err != nil {
				t.Fatal(err)
			}
		}
		if i%4 == 0 && len(ids) > 1 {
			id := ids[len(ids)-2]
			fmt.Fprintf(os.Stdout, "deleting %s\n", id)
			if err := v.Delete(ctx, id); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(os.Stdout, "deleted %s\n", id)
		}
	}
}

// TestCrashKill kills a writing process with SIGKILL at random moments and
// reopens its store each time: every document is readable whole or absent
// (or erased, if its Delete had begun), never half there; documents whose
// Put returned are readable; after Recover no orphan or key of an erased
// document remains.
func TestCrashKill(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	root := t.TempDir()
	dir := filepath.Join(root, "vault")
	kekCfg := vault.KEKConfig{Path: filepath.Join(root, "kek.json"), Protection: vault.KEKUnprotected}
	kek, err := vault.CreateKEK(kekCfg)
	if err != nil {
		t.Fatal(err)
	}
	reader := crashReader(t)
	putDone := map[vault.DocID]int{}
	deleting, deleted := map[vault.DocID]bool{}, map[vault.DocID]bool{}
	next := 0
	var debris int
	for round := range 6 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dir+"|"+kekCfg.Path, fmt.Sprintf("%s_START=%d", crashChildEnv, next))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string)
		go func() {
			defer close(lines)
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
		}()
		// Let it write at least a few documents, then kill it at a random
		// moment: after the delay and once 3 lines came, or after 20 lines.
		var got []string
		delay := time.NewTimer(time.Duration(150+rand.IntN(350)) * time.Millisecond)
		waited := false
		for len(got) < 20 && !(waited && len(got) >= 3) {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("round %d: child exited early: %s", round, stderr.String())
				}
				got = append(got, l)
			case <-delay.C:
				waited = true
			}
		}
		if !waited {
			// Kill at a random moment of the child's work, not right after a line.
			time.Sleep(time.Duration(rand.IntN(20)) * time.Millisecond)
		}
		cmd.Process.Kill()
		for l := range lines {
			got = append(got, l)
		}
		cmd.Wait()

		for _, l := range got {
			f := strings.Fields(l)
			switch {
			case len(f) == 3 && f[0] == "put":
				i, _ := strconv.Atoi(f[1])
				id, err := vault.ParseDocID(f[2])
				if err != nil {
					t.Fatalf("child printed %q", l)
				}
				putDone[id] = i
				next = max(next, i+1)
			case len(f) == 2 && f[0] == "deleting":
				id, _ := vault.ParseDocID(f[1])
				deleting[id] = true
			case len(f) == 2 && f[0] == "deleted":
				id, _ := vault.ParseDocID(f[1])
				deleted[id] = true
			default:
				if strings.HasPrefix(l, "put") || strings.HasPrefix(l, "delet") {
					t.Fatalf("child printed %q", l)
				}
			}
		}
		next += 1000 // the child may have stored documents it did not print

		debris += countDebris(t, dir)
		v := openTestVault(t, dir, kek, disk.Options{})
		// Every document on disk, whoever wrote it: whole, absent or erased.
		for id := range idsOnDisk(t, dir) {
			doc, err := v.Open(ctx, id, reader)
			switch {
			case err == nil:
				if _, ok := checkCrashDoc(doc); !ok {
					t.Fatalf("round %d: document %s opens to wrong content", round, id)
				}
				if deleted[id] {
					t.Fatalf("round %d: erased document %s opens", round, id)
				}
			case medledger.HasCode(err, vault.ErrNotFound):
				if _, ok := putDone[id]; ok {
					t.Fatalf("round %d: document %s was stored but is absent", round, id)
				}
			case medledger.HasCode(err, vault.ErrGone):
				if !deleting[id] {
					t.Fatalf("round %d: document %s erased but never deleted", round, id)
				}
			default:
				t.Fatalf("round %d: document %s: %v", round, id, err)
			}
		}
		// Every document whose Put returned is there (or erased, if deleted).
		for id, i := range putDone {
			doc, err := v.Open(ctx, id, reader)
			switch {
			case deleted[id]:
				wantCode(t, err, vault.ErrGone)
			case deleting[id] && medledger.HasCode(err, vault.ErrGone):
			case err != nil:
				t.Fatalf("round %d: stored document %d (%s): %v", round, i, id, err)
			case !bytes.Equal(doc, crashDoc(i)):
				t.Fatalf("round %d: stored document %d reads other bytes", round, i)
			}
		}
		rep, err := v.Recover(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Damaged) > 0 {
			t.Fatalf("round %d: damaged documents after a crash: %v", round, rep.Damaged)
		}
		t.Logf("round %d: %d lines from the child; recover: %+v", round, len(got), rep)
		if n := countDebris(t, dir); n != 0 {
			t.Fatalf("round %d: %d debris files after Recover", round, n)
		}
		v.store.Close()
	}
	t.Logf("%d stored, %d deleted, %d debris files (temporary files, orphan blobs, unfinished erasures) found across rounds",
		len(putDone), len(deleted), debris)
}

// idsOnDisk lists the ids named by any file under dir.
func idsOnDisk(t *testing.T, dir string) map[vault.DocID]bool {
	t.Helper()
	out := map[vault.DocID]bool{}
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := d.Name()
		if i := strings.IndexByte(name, '.'); i == 64 {
			if id, err := vault.ParseDocID(name[:64]); err == nil {
				out[id] = true
			}
		}
		return nil
	})
	return out
}

// countDebris counts what a crash may leave: temporary files, blobs with no
// keyring and no tombstone, and tombstones with keys or blob beside them.
func countDebris(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	exists := func(p string) bool { _, err := os.Stat(p); return err == nil }
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		base := strings.TrimSuffix(path, filepath.Ext(path))
		switch {
		case strings.HasPrefix(d.Name(), ".tmp-"):
			n++
		case strings.HasSuffix(path, ".blob") && !exists(base+".keys") && !exists(base+".gone"):
			n++
		case strings.HasSuffix(path, ".gone") && (exists(base+".keys") || exists(base+".blob")):
			n++
		}
		return nil
	})
	return n
}

// TestCrashDebris plants what a crash (or a lying disk) can leave and
// checks that reopening reads each document whole, absent, erased or
// corrupt, never wrong, and that Recover cleans up.
func TestCrashDebris(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "vault")
	kek := vault.GenerateKEK()
	v := openTestVault(t, dir, kek, disk.Options{})
	reader := crashReader(t)
	put := func(i int) vault.Receipt {
		r, err := v.Put(ctx, crashDoc(i), pub(reader))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	whole, orphan, halfErased, truncBlob, truncKeys, noBlob := put(1), put(2), put(3), put(4), put(5), put(6)
	path := func(r vault.Receipt, ext string) string { return objectPath(v, r.ID, ext) }
	blob1, _ := os.ReadFile(path(whole, ".blob"))
	keys1, _ := os.ReadFile(path(whole, ".keys"))
	v.store.Close()

	// A crash between the blob and the keyring of a Put.
	os.Remove(path(orphan, ".keys"))
	// A crash after the tombstone of a Delete.
	os.WriteFile(path(halfErased, ".gone"), []byte("MLVT\x01"), 0o600)
	// A disk that lost the tail of a file it had acknowledged.
	b, _ := os.ReadFile(path(truncBlob, ".blob"))
	os.WriteFile(path(truncBlob, ".blob"), b[:len(b)/2], 0o600)
	k, _ := os.ReadFile(path(truncKeys, ".keys"))
	os.WriteFile(path(truncKeys, ".keys"), k[:len(k)-1], 0o600)
	os.Remove(path(noBlob, ".blob"))
	// Half-written temporary files: a new blob, a new keyring, one of
	// another document's bytes, and an empty one.
	tmpDir := filepath.Dir(path(whole, ".blob"))
	temps := map[string][]byte{
		".tmp-1": blob1[:len(blob1)/3], ".tmp-2": keys1[:100], ".tmp-3": {}, ".tmp-4": blob1,
	}
	for name, data := range temps {
		os.WriteFile(filepath.Join(tmpDir, name), data, 0o600)
	}

	v = openTestVault(t, dir, kek, disk.Options{})
	for name := range temps {
		if _, err := os.Stat(filepath.Join(tmpDir, name)); !os.IsNotExist(err) {
			t.Errorf("temporary file %s survived reopening", name)
		}
	}
	if doc, err := v.Open(ctx, whole.ID, reader); err != nil || !bytes.Equal(doc, crashDoc(1)) {
		t.Fatalf("whole document: %v", err)
	}
	_, err := v.Open(ctx, orphan.ID, reader)
	wantCode(t, err, vault.ErrNotFound)
	if ok, _ := v.Has(ctx, orphan.ID); ok {
		t.Fatal("Has reports a document whose Put did not finish")
	}
	_, err = v.Open(ctx, halfErased.ID, reader)
	wantCode(t, err, vault.ErrGone)
	_, err = v.Get(ctx, halfErased.ID)
	wantCode(t, err, vault.ErrGone)
	for _, r := range []vault.Receipt{truncBlob, truncKeys, noBlob} {
		_, err = v.Open(ctx, r.ID, reader)
		wantCode(t, err, vault.ErrCorrupt)
	}
	_, err = v.Get(ctx, truncBlob.ID)
	wantCode(t, err, vault.ErrCorrupt)

	rep, err := v.Recover(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.FinishedErasure != 1 || rep.OrphansRemoved != 1 || rep.Documents != 3 ||
		len(rep.Damaged) != 1 || rep.Damaged[0] != noBlob.ID {
		t.Fatalf("Recover = %+v; want 1 erasure finished, 1 orphan removed, 3 documents, %s damaged", rep, noBlob.ID)
	}
	for _, p := range []string{path(orphan, ".blob"), path(halfErased, ".keys"), path(halfErased, ".blob")} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s survived Recover", p)
		}
	}
	if rep, err := v.Recover(ctx); err != nil || rep.FinishedErasure+rep.OrphansRemoved != 0 {
		t.Fatalf("second Recover = %+v, %v; want nothing to do", rep, err)
	}
}
