package keystore

import "fmt"

// Bounds on what an encrypted key file may ask of the machine that opens
// it. A key file is outside input (copied, downloaded, edited): its scrypt
// cost is checked before any work, so that a crafted file cannot make
// Load allocate gigabytes (scrypt takes 1 KiB times N with r = 8), and its
// sizes before the cipher sees them (AES-GCM panics on a wrong nonce).
const (
	// MinScryptN and MaxScryptN bound the scrypt cost N (a power of two)
	// a key file may name: Save uses 2^15 (32 MiB); 2^18 takes 256 MiB.
	MinScryptN = 1 << 10
	MaxScryptN = 1 << 18
	saltMin    = 16
	saltMax    = 64
	nonceSize  = 12
	secretSize = 64
	sealedSize = secretSize + 16 // the secret and GCM's tag
)

// checkSealed refuses an encrypted key file whose parameters are out of
// bounds, before anything is derived from them.
func checkSealed(f *File) error {
	switch {
	case f.ScryptN < MinScryptN || f.ScryptN > MaxScryptN || f.ScryptN&(f.ScryptN-1) != 0:
		return fmt.Errorf("its scrypt cost %d is not a power of two from %d to %d (a file made by medledger uses %d): the file is damaged or was not made by medledger", f.ScryptN, MinScryptN, MaxScryptN, scryptN)
	case len(f.Salt) < saltMin || len(f.Salt) > saltMax:
		return fmt.Errorf("its salt is %d bytes, not %d to %d: the file is damaged", len(f.Salt), saltMin, saltMax)
	case len(f.Nonce) != nonceSize:
		return fmt.Errorf("its nonce is %d bytes, not %d: the file is damaged", len(f.Nonce), nonceSize)
	case len(f.Sealed) != sealedSize:
		return fmt.Errorf("its sealed secret is %d bytes, not %d: the file is damaged", len(f.Sealed), sealedSize)
	}
	return nil
}
