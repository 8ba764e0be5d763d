package records

// The custodian's REST answers (records/custodian serves them, the client
// reads them). They live here, in the module's light package, so that a
// client of the API need not import the custodian and the FHIR library it
// carries.

// UploadResponse answers POST /v1/records/documents: what to put in a
// records/add transaction for the document just stored.
type UploadResponse struct {
	Ref           string   `json:"ref"`
	Digest        string   `json:"digest"`
	ResourceTypes []string `json:"resource_types"`
	Category      string   `json:"category"`
	Size          int      `json:"size"`
	// A sensitive document: Category is CategoryRestricted, Confidentiality
	// R and Sensitivity its tag, to put as they are in the records/add.
	Confidentiality string `json:"confidentiality,omitempty"`
	Sensitivity     string `json:"sensitivity,omitempty"`
}

// ReadResponse answers POST /v1/records/{id}/read: the document encrypted
// for the reader, after the disclosure that allows the read committed.
type ReadResponse struct {
	Record     string `json:"record"`
	Disclosure uint64 `json:"disclosure"`
	Ground     string `json:"ground"`
	BreakGlass bool   `json:"break_glass"`
	Height     int64  `json:"height"`
	Digest     string `json:"digest"`      // the record's salted digest on chain
	Blob       []byte `json:"blob"`        // the encrypted document (vault blob)
	WrappedKey []byte `json:"wrapped_key"` // its data key, wrapped for the reader's X25519 key
}

// SensitivityTag answers GET /v1/patients/{id}/sensitivities at a
// custodian: one of the patient's sensitivity tags there.
type SensitivityTag struct {
	Code      string `json:"code"` // one of Sensitivities
	Tag       string `json:"tag"`
	Custodian string `json:"custodian"`
}
