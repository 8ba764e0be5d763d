// Package identity owns the consortium's membership: organizations, their
// members and keys, patients (known only by a pseudonymous id derived from
// their key), and the governance that adds or suspends organizations by a
// majority of the active organizations' admins.
//
// It answers the app's and the other modules' question "who is this signer,
// and may they act?" through app.Identities. It MUST NOT hold personal data:
// an organization has a display name; a member or a patient has only ids,
// a role and keys.
package identity
