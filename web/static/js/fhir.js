// fhir.js: a FHIR R4 resource rendered for a person to read (an
// Observation's value and unit, a Condition's code and text, ...), with the
// raw JSON one click away. Every value goes in as text.
import { h, dl, fill } from '/static/js/medledger.js';

const text = cc => {
  if (!cc) return '';
  if (cc.text) return cc.text;
  const c = (cc.coding || [])[0];
  return c ? (c.display || c.code || '') : '';
};
const codes = cc => (cc && cc.coding || []).map(c => [c.display, c.code ? c.code + (c.system ? ' (' + system(c.system) + ')' : '') : ''].filter(Boolean).join(' — ')).join('; ');
const system = s => ({ 'http://loinc.org': 'LOINC', 'http://snomed.info/sct': 'SNOMED CT', 'http://www.nlm.nih.gov/research/umls/rxnorm': 'RxNorm', 'http://hl7.org/fhir/sid/icd-10': 'ICD-10', 'http://hl7.org/fhir/sid/icd-10-cm': 'ICD-10-CM' }[s] || s);
const qty = q => (q && q.value !== undefined ? q.value + (q.unit || q.code ? ' ' + (q.unit || q.code) : '') : '');
const range = r => (r ? [qty(r.low), qty(r.high)].filter(Boolean).join(' to ') + (r.text ? ' ' + r.text : '') : '');
const dateText = d => {
  if (!d) return '';
  const t = new Date(d);
  return isNaN(t) ? d : t.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: /T/.test(d) ? 'short' : undefined });
};
const notes = r => (r.note || []).map(n => n.text).filter(Boolean).join(' ');
const ref = x => (x ? x.display || x.reference || '' : '');

function value(o) {
  if (o.valueQuantity) return qty(o.valueQuantity);
  if (o.valueCodeableConcept) return text(o.valueCodeableConcept);
  for (const k of ['valueString', 'valueBoolean', 'valueInteger', 'valueDateTime']) if (o[k] !== undefined) return String(o[k]);
  return '';
}

const RENDER = {
  Observation: o => ({
    title: text(o.code) || 'Observation',
    big: value(o) || (o.component || []).map(c => text(c.code) + ': ' + value(c)).join(', '),
    facts: [['Test', codes(o.code)], ['Value', value(o)],
      ...(o.component || []).map(c => [text(c.code), value(c)]),
      ['Interpretation', (o.interpretation || []).map(text).join(', ')], ['Normal range', (o.referenceRange || []).map(range).join('; ')],
      ['Taken', dateText(o.effectiveDateTime)], ['Status', o.status], ['Specimen', ref(o.specimen)], ['Note', notes(o)]],
  }),
  Condition: c => ({
    title: text(c.code) || 'Condition',
    big: text(c.code),
    facts: [['Condition', text(c.code)], ['Code', codes(c.code)], ['Clinical status', text(c.clinicalStatus)], ['Verification', text(c.verificationStatus)],
      ['Severity', text(c.severity)], ['Since', dateText(c.onsetDateTime) || (c.onsetString || '')], ['Recorded', dateText(c.recordedDate)], ['Note', notes(c)]],
  }),
  AllergyIntolerance: a => ({
    title: 'Allergy: ' + (text(a.code) || 'unknown substance'),
    big: text(a.code),
    facts: [['Substance', codes(a.code) || text(a.code)], ['Clinical status', text(a.clinicalStatus)], ['Criticality', a.criticality],
      ['Reactions', (a.reaction || []).map(r => (r.manifestation || []).map(text).join(', ') + (r.severity ? ' (' + r.severity + ')' : '')).join('; ')],
      ['Recorded', dateText(a.recordedDate)], ['Note', notes(a)]],
  }),
  MedicationRequest: m => ({
    title: 'Prescription: ' + (text(m.medicationCodeableConcept) || ref(m.medicationReference) || 'medication'),
    big: text(m.medicationCodeableConcept) || ref(m.medicationReference),
    facts: [['Medication', codes(m.medicationCodeableConcept) || ref(m.medicationReference)], ['Dose', (m.dosageInstruction || []).map(d => d.text).filter(Boolean).join('; ')],
      ['Status', m.status], ['Intent', m.intent], ['Written', dateText(m.authoredOn)], ['Prescriber', ref(m.requester)], ['Note', notes(m)]],
  }),
  Immunization: i => ({
    title: 'Vaccination: ' + text(i.vaccineCode),
    big: text(i.vaccineCode),
    facts: [['Vaccine', codes(i.vaccineCode)], ['Given', dateText(i.occurrenceDateTime)], ['Status', i.status], ['Lot', i.lotNumber]],
  }),
};

// render returns an element showing resource (parsed FHIR JSON) for a
// person, with a button that shows the raw JSON (json: the exact text).
export function render(resource, json) {
  const box = h('div', { class: 'fhir card', 'data-resource-type': resource.resourceType || '' });
  const parts = resource.resourceType === 'Bundle'
    ? (resource.entry || []).map(e => e.resource).filter(Boolean)
    : [resource];
  for (const r of parts) {
    const fn = RENDER[r.resourceType];
    const v = fn ? fn(r) : { title: r.resourceType || 'Resource', facts: [['Id', r.id], ['Status', r.status]] };
    box.appendChild(h('section', { class: 'resource' },
      h('h3', { text: v.title }),
      v.big ? h('p', { class: 'big', 'data-field': 'value', text: v.big }) : null,
      dl(v.facts.concat([['Resource', (r.resourceType || '') + (r.id ? ' ' + r.id : '')]]))));
  }
  const raw = h('pre', { class: 'json', id: 'raw-json', hidden: true, text: pretty(json) });
  const btn = h('button', { type: 'button', class: 'secondary', id: 'raw-btn', 'aria-expanded': 'false', 'aria-controls': 'raw-json' }, 'Show the raw JSON');
  btn.addEventListener('click', () => {
    raw.hidden = !raw.hidden;
    btn.setAttribute('aria-expanded', String(!raw.hidden));
    fill(btn, raw.hidden ? 'Show the raw JSON' : 'Hide the raw JSON');
  });
  box.appendChild(h('p', { class: 'actions' }, btn));
  box.appendChild(raw);
  return box;
}

function pretty(json) {
  try { return JSON.stringify(JSON.parse(json), null, 2); } catch { return json; }
}
