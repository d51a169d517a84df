/* The "protocole d'adhésion" (annex I of the 2013 circular on emplois d'avenir in EPN) as an A4 PDF: the
 * structure's commitments, then the regional opinion and the national decision, each titled with the authority the
 * programme names (opinion_authority, decided_by), in framed blocks. */
#ifndef TR_DOMAIN_PROTOCOL_PDF_H
#define TR_DOMAIN_PROTOCOL_PDF_H

#include <jansson.h>

#include "core/buf.h"
#include "core/err.h"

/* Appends to OUT the PDF of the protocol described by DOC, a JSON object whose members are: reference,
 * programme_name, place {nom, adresse, code_postal, commune}, employer_name, contact_name, contact_email,
 * contact_phone, project, job_profile, netpublic (bool), listed_national (bool), tutor_name, tutor_qualities,
 * sponsor_name, sponsor_qualities, company_name, company_siret, company_activity, pole_name, training_path,
 * development_project, posts_requested (integer), signed_on ("YYYY-MM-DD"), signatory, opinion (null or
 * {label, suggestions, advice, at, by}), decision (null or {validated, posts_granted, reason, at, by}), decided_by
 * (the programme's deciding authority, which titles the decision) and created_at (epoch seconds: the document's
 * date, so that the same content gives the same bytes).
 * A missing or null member is drawn as "—". User text is never read as markup. Safe to call from several
 * threads at once (each call has its own font map). Returns TR_OK; TR_TOO_LARGE when OUT's cap is reached,
 * TR_INTERNAL on another cairo error; on error OUT holds a partial document that the caller discards. */
TR_MUST_USE tr_err protocol_pdf(json_t *doc, struct buf *out);

#endif
