package fhir

// practitionerResources are the CapabilityStatement entries of the
// credentials module's FHIR view (credentials.HTTPRoutes serves it): a
// member's Practitioner with the credentials valid now as qualifications.
func practitionerResources() []capResource {
	return []capResource{{
		Type: "Practitioner",
		Documentation: "A member of an organization (id ORG.NAME) with one qualification per credential valid now: its id, type, " +
			"period and issuing organization (a licence, a registration, clinical privileges). No name, no licence number: the ledger holds neither.",
		Interaction: []capInteraction{{Code: "read", Documentation: "GET /fhir/Practitioner/{id}, the member ORG/NAME written ORG.NAME"}},
	}}
}
