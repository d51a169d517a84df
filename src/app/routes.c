/* Every route of the platform, one row each: method, path, handler, who may call it, flags. It sits above web
 * and api since it names the handlers of both; http only receives it (server_run). */
#include "app/app.h"

#include "api/api.h"
#include "model/accounts/role.h"
#include "web/web.h"

#define ADMIN ROLE_BIT(ROLE_ADMIN)
#define ANY ROLES_SIGNED_IN
#define PUBLIC ROLES_PUBLIC
#define CHANGES ROUTE_CHANGES
#define API ROUTE_API
/* Who may create places; the domain decides which (employer staff: their organisation's). */
#define PLACE_CREATORS (ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_EMPLOYER))
/* Who edits programmes and job profiles (the domain checks again). */
#define PROGRAMME_EDITORS (ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_NATIONAL))
/* Who has dossiers to see: structures, regional officers, poles, the national delegation, admins. */
#define DOSSIER_PEOPLE                                                                                       \
	(ROLE_BIT(ROLE_EMPLOYER) | ROLE_BIT(ROLE_REGIONAL) | ROLE_BIT(ROLE_POLE) | ROLE_BIT(ROLE_NATIONAL) | \
	    ROLE_BIT(ROLE_ADMIN))

/* The resource poles: who sees them (the domain narrows a pole person to their regions), who works in them,
 * who reads their library and vivier. */
#define POLE_VIEWERS (ROLE_BIT(ROLE_POLE) | ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_ADMIN))
#define POLE_STAFF (ROLE_BIT(ROLE_POLE) | ROLE_BIT(ROLE_ADMIN))
#define LIBRARY_READERS (ROLE_BIT(ROLE_POLE) | ROLE_BIT(ROLE_EMPLOYER) | ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_ADMIN))
/* Training: who creates and runs sessions (trainers, poles, national officers, admins; the domain narrows them to
 * their organisation, their regions, the audience), who oversees the sessions at risk and the tutors. */
#define SESSION_CREATORS (ROLE_BIT(ROLE_TRAINER) | ROLE_BIT(ROLE_POLE) | ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_ADMIN))
#define TRAINING_OVERSIGHT \
	(ROLE_BIT(ROLE_POLE) | ROLE_BIT(ROLE_REGIONAL) | ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_ADMIN))

const struct route app_routes[] = {
	{ "GET", "/healthz", api_health, PUBLIC, API | ROUTE_HEALTH },
	{ "GET", "/__test/slow", api_test_slow, PUBLIC, API | ROUTE_HEALTH },

	/* Public pages. */
	{ "GET", "/", web_home, PUBLIC, 0 },
	{ "GET", "/accessibilite", web_legal, PUBLIC, 0 },
	{ "GET", "/mentions-legales", web_legal, PUBLIC, 0 },
	{ "GET", "/donnees-personnelles", web_legal, PUBLIC, 0 },
	{ "GET", "/connexion", web_login_form, PUBLIC, 0 },
	{ "POST", "/connexion", web_login, PUBLIC, CHANGES },
	{ "POST", "/deconnexion", web_logout, ANY, CHANGES },
	{ "GET", "/mot-de-passe-oublie", web_forgot_form, PUBLIC, 0 },
	{ "POST", "/mot-de-passe-oublie", web_forgot, PUBLIC, CHANGES },
	{ "GET", "/mot-de-passe/{token}", web_link_form, PUBLIC, 0 },
	{ "POST", "/mot-de-passe/{token}", web_link_set, PUBLIC, CHANGES },
	{ "GET", "/invitation/{token}", web_link_form, PUBLIC, 0 },
	{ "POST", "/invitation/{token}", web_link_set, PUBLIC, CHANGES },
	{ "GET", "/inscription/confirmer/{token}", web_confirm_form, PUBLIC, 0 },
	{ "POST", "/inscription/confirmer/{token}", web_confirm, PUBLIC, CHANGES },

	/* The signed-in person. */
	{ "GET", "/compte", web_account, ANY, 0 },
	{ "POST", "/compte/mot-de-passe", web_account_password, ANY, CHANGES },
	{ "POST", "/compte/jetons", web_account_token_create, ANY, CHANGES },
	{ "POST", "/compte/jetons/{id}/revoquer", web_account_token_revoke, ANY, CHANGES },

	/* Administration. */
	{ "GET", "/admin", web_admin_home, ADMIN, 0 },
	{ "GET", "/admin/personnes", web_admin_people, ADMIN, 0 },
	{ "GET", "/admin/personnes/nouvelle", web_admin_person_new_form, ADMIN, 0 },
	{ "POST", "/admin/personnes/nouvelle", web_admin_person_new, ADMIN, CHANGES },
	{ "GET", "/admin/personnes/{id}", web_admin_person, ADMIN, 0 },
	{ "POST", "/admin/personnes/{id}", web_admin_person_update, ADMIN, CHANGES },
	{ "POST", "/admin/personnes/{id}/inviter", web_admin_person_invite, ADMIN, CHANGES },
	{ "POST", "/admin/personnes/{id}/roles", web_admin_membership_add, ADMIN, CHANGES },
	{ "POST", "/admin/personnes/{id}/roles/{id}/retirer", web_admin_membership_remove, ADMIN, CHANGES },
	{ "POST", "/admin/personnes/{id}/jetons/{id}/revoquer", web_admin_token_revoke, ADMIN, CHANGES },
	{ "GET", "/admin/structures", web_admin_orgs, ADMIN, 0 },
	{ "GET", "/admin/structures/nouvelle", web_admin_org_new_form, ADMIN, 0 },
	{ "POST", "/admin/structures/nouvelle", web_admin_org_new, ADMIN, CHANGES },
	{ "GET", "/admin/structures/{id}", web_admin_org, ADMIN, 0 },
	{ "POST", "/admin/structures/{id}", web_admin_org_update, ADMIN, CHANGES },
	{ "GET", "/admin/journal", web_admin_journal, ADMIN, 0 },
	{ "GET", "/admin/doublons", web_admin_duplicates, ADMIN, 0 },
	{ "POST", "/admin/doublons/decider", web_admin_duplicate_decide, ADMIN, CHANGES },

	/* Changing the directory (before "/lieux/{token}" below). The domain decides who edits which place. */
	{ "GET", "/lieux/import", web_place_import_form, ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_NATIONAL), 0 },
	{ "POST", "/lieux/import", web_place_import, ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_NATIONAL),
	    CHANGES | ROUTE_UPLOAD },
	{ "POST", "/lieux/reseaux", web_place_network_add, ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_NATIONAL), CHANGES },
	{ "GET", "/lieux/nouveau", web_place_new_form, PLACE_CREATORS, 0 },
	{ "POST", "/lieux/nouveau", web_place_new, PLACE_CREATORS, CHANGES },
	{ "GET", "/lieux/{token}/modifier", web_place_edit_form, ANY, 0 },
	{ "POST", "/lieux/{token}/modifier", web_place_edit, ANY, CHANGES },

	/* Programmes (public) and their editing; literal paths before "{id}" ones. */
	{ "GET", "/programmes", web_programmes, PUBLIC, 0 },
	{ "GET", "/programmes/nouveau", web_programme_new_form, PROGRAMME_EDITORS, 0 },
	{ "POST", "/programmes/nouveau", web_programme_new, PROGRAMME_EDITORS, CHANGES },
	{ "POST", "/programmes/{id}/objectifs", web_programme_region_target, PROGRAMME_EDITORS, CHANGES },
	{ "GET", "/programmes/{id}", web_programme, PUBLIC, 0 },
	{ "GET", "/programmes/{id}/modifier", web_programme_edit_form, PROGRAMME_EDITORS, 0 },
	{ "POST", "/programmes/{id}/modifier", web_programme_edit, PROGRAMME_EDITORS, CHANGES },
	{ "GET", "/programmes/{id}/metiers/nouveau", web_job_profile_new_form, PROGRAMME_EDITORS, 0 },
	{ "POST", "/programmes/{id}/metiers/nouveau", web_job_profile_new, PROGRAMME_EDITORS, CHANGES },
	{ "GET", "/metiers/{id}/modifier", web_job_profile_edit_form, PROGRAMME_EDITORS, 0 },
	{ "POST", "/metiers/{id}/modifier", web_job_profile_edit, PROGRAMME_EDITORS, CHANGES },
	{ "POST", "/metiers/{id}/retirer", web_job_profile_remove, PROGRAMME_EDITORS, CHANGES },

	/* Dossiers: the domain decides who reads and acts on which one. */
	{ "GET", "/dossiers", web_dossiers, DOSSIER_PEOPLE, 0 },
	{ "GET", "/dossiers.csv", web_dossiers_csv, DOSSIER_PEOPLE, 0 },
	{ "GET", "/dossiers.xlsx", web_dossiers_xlsx, DOSSIER_PEOPLE, 0 },
	{ "GET", "/dossiers/nouveau", web_dossier_new_form, ROLE_BIT(ROLE_EMPLOYER), 0 },
	{ "POST", "/dossiers/nouveau", web_dossier_new, ROLE_BIT(ROLE_EMPLOYER), CHANGES },
	{ "GET", "/dossiers/{id}", web_dossier, DOSSIER_PEOPLE, 0 },
	{ "GET", "/dossiers/{id}/modifier", web_dossier_edit_form, DOSSIER_PEOPLE, 0 },
	{ "POST", "/dossiers/{id}/modifier", web_dossier_edit, DOSSIER_PEOPLE, CHANGES },
	{ "POST", "/dossiers/{id}/actions/{token}", web_dossier_act, DOSSIER_PEOPLE, CHANGES },
	{ "POST", "/dossiers/{id}/messages", web_dossier_message, DOSSIER_PEOPLE, CHANGES },
	{ "GET", "/dossiers/{id}/protocole.pdf", web_dossier_pdf, DOSSIER_PEOPLE, 0 },

	/* Job offers: the public board, its feed and one offer; the structure's side (the domain decides which
	 * offers); the candidates matched to an offer; the offers suggested to a candidate. */
	{ "GET", "/offres", web_offers, PUBLIC, 0 },
	{ "GET", "/offres.atom", web_offers_feed, PUBLIC, 0 },
	{ "GET", "/offres/{id}", web_offer, PUBLIC, 0 },
	{ "GET", "/offres/{id}/modifier", web_offer_edit_form, ROLE_BIT(ROLE_EMPLOYER), 0 },
	{ "POST", "/offres/{id}/modifier", web_offer_edit, ROLE_BIT(ROLE_EMPLOYER), CHANGES },
	{ "POST", "/offres/{id}/fermer", web_offer_close, ROLE_BIT(ROLE_EMPLOYER), CHANGES },
	{ "POST", "/offres/{id}/rouvrir", web_offer_reopen, ROLE_BIT(ROLE_EMPLOYER), CHANGES },
	{ "GET", "/offres/{id}/candidats", web_offer_candidates,
	    ROLE_BIT(ROLE_EMPLOYER) | ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_ADMIN), 0 },
	{ "GET", "/dossiers/{id}/offres/nouvelle", web_offer_new_form, ROLE_BIT(ROLE_EMPLOYER), 0 },
	{ "POST", "/dossiers/{id}/offres/nouvelle", web_offer_new, ROLE_BIT(ROLE_EMPLOYER), CHANGES },
	{ "GET", "/structure/offres", web_structure_offers, ROLE_BIT(ROLE_EMPLOYER), 0 },
	/* Applications and contracts: the domain decides who sees and does what (party, organisation, region). */
	{ "GET", "/offres/{id}/candidater", web_application_new_form, ROLE_BIT(ROLE_CANDIDATE), 0 },
	{ "POST", "/offres/{id}/candidater", web_application_new, ROLE_BIT(ROLE_CANDIDATE), CHANGES },
	{ "POST", "/offres/{id}/candidats/{id}/proposer", web_application_propose, ROLE_BIT(ROLE_EMPLOYER), CHANGES },
	{ "GET", "/candidatures", web_applications, ANY, 0 },
	{ "GET", "/candidatures/{id}", web_application, ANY, 0 },
	{ "POST", "/candidatures/{id}/actions/{token}", web_application_act, ANY, CHANGES },
	{ "GET", "/contrats", web_contracts, ANY, 0 },
	{ "GET", "/contrats/{id}", web_contract, ANY, 0 },
	{ "POST", "/contrats/{id}/actions/{token}", web_contract_act, ANY, CHANGES },
	{ "GET", "/candidat/offres-suggerees", web_candidate_offers, ROLE_BIT(ROLE_CANDIDATE), 0 },

	/* Candidates (self-registration, their own profile, CV and data) and the prescribers that follow them; the
	 * domain decides whose profile a prescriber sees. */
	{ "GET", "/inscription-candidat", web_candidate_register_form, PUBLIC, 0 },
	{ "POST", "/inscription-candidat", web_candidate_register, PUBLIC, CHANGES },
	{ "GET", "/candidat", web_candidate, ROLE_BIT(ROLE_CANDIDATE), 0 },
	{ "POST", "/candidat", web_candidate_save, ROLE_BIT(ROLE_CANDIDATE), CHANGES },
	{ "GET", "/candidat/cv", web_candidate_cv, ROLE_BIT(ROLE_CANDIDATE), 0 },
	{ "POST", "/candidat/cv", web_candidate_cv_upload, ROLE_BIT(ROLE_CANDIDATE), CHANGES | ROUTE_UPLOAD },
	{ "GET", "/candidat/donnees", web_candidate_export, ROLE_BIT(ROLE_CANDIDATE), 0 },
	{ "POST", "/candidat/supprimer", web_candidate_delete, ROLE_BIT(ROLE_CANDIDATE), CHANGES },
	{ "POST", "/candidat/suivis/{id}/accepter", web_candidate_follower_accept, ROLE_BIT(ROLE_CANDIDATE), CHANGES },
	{ "POST", "/candidat/suivis/{id}/retirer", web_candidate_follower_remove, ROLE_BIT(ROLE_CANDIDATE), CHANGES },
	{ "GET", "/prescripteur", web_prescriber, ROLE_BIT(ROLE_PRESCRIBER), 0 },
	{ "POST", "/prescripteur/suivre", web_prescriber_follow, ROLE_BIT(ROLE_PRESCRIBER), CHANGES },
	{ "GET", "/prescripteur/candidats/{id}", web_prescriber_candidate, ROLE_BIT(ROLE_PRESCRIBER), 0 },
	{ "GET", "/prescripteur/candidats/{id}/cv", web_prescriber_candidate_cv, ROLE_BIT(ROLE_PRESCRIBER), 0 },
	{ "POST", "/prescripteur/candidats/{id}/eligibilite", web_prescriber_diagnosis, ROLE_BIT(ROLE_PRESCRIBER),
	    CHANGES },
	{ "POST", "/prescripteur/candidats/{id}/ne-plus-suivre", web_prescriber_unfollow, ROLE_BIT(ROLE_PRESCRIBER),
	    CHANGES },

	/* The skills grid: the contract's readers see it, its young person and tutor fill it (the domain decides);
	 * national officers edit the competences. */
	{ "GET", "/contrats/{id}/grille", web_skills_grid, ANY, 0 },
	{ "POST", "/contrats/{id}/grille", web_skills_assess, ANY, CHANGES },
	{ "GET", "/contrats/{id}/grille.csv", web_skills_grid_csv, ANY, 0 },
	{ "GET", "/grilles.csv", web_skills_all_csv,
	    ROLE_BIT(ROLE_POLE) | ROLE_BIT(ROLE_REGIONAL) | ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_ADMIN), 0 },
	{ "GET", "/competences", web_competences, PUBLIC, 0 },
	{ "POST", "/competences", web_competence_create, ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_ADMIN), CHANGES },

	/* The resource poles (the domain decides which pole a pole person sees), the preliminary diagnoses of
	 * dossiers, the resources library and the vivier of partner companies. */
	{ "GET", "/poles", web_poles, POLE_VIEWERS, 0 },
	{ "GET", "/poles/{id}", web_pole, POLE_VIEWERS, 0 },
	{ "GET", "/poles/{id}/modifier", web_pole_edit_form, PROGRAMME_EDITORS, 0 },
	{ "POST", "/poles/{id}/modifier", web_pole_edit, PROGRAMME_EDITORS, CHANGES },
	{ "GET", "/dossiers/{id}/diagnostic-prealable", web_pole_diagnosis, DOSSIER_PEOPLE, 0 },
	{ "POST", "/dossiers/{id}/diagnostic-prealable", web_pole_diagnosis_save, POLE_STAFF, CHANGES },
	{ "GET", "/ressources", web_resources, LIBRARY_READERS, 0 },
	{ "GET", "/ressources/nouvelle", web_resource_new_form, POLE_STAFF, 0 },
	{ "POST", "/ressources/nouvelle", web_resource_new, POLE_STAFF, CHANGES | ROUTE_UPLOAD },
	{ "GET", "/ressources/{id}/fichier", web_resource_file, LIBRARY_READERS, 0 },
	{ "GET", "/vivier", web_partners, LIBRARY_READERS, 0 },
	{ "GET", "/vivier/nouveau", web_partner_new_form, POLE_VIEWERS, 0 },
	{ "POST", "/vivier/nouveau", web_partner_new, POLE_VIEWERS, CHANGES },
	{ "GET", "/vivier/{id}/modifier", web_partner_edit_form, POLE_VIEWERS, 0 },
	{ "POST", "/vivier/{id}/modifier", web_partner_edit, POLE_VIEWERS, CHANGES },

	/* Training: organisations (national officers edit), each contract's path (its readers see it, the structure
	 * and the pole change it), sessions, registrations, attendance and tutors; the domain decides who does what. */
	{ "GET", "/organismes-formation", web_training_orgs, ANY, 0 },
	{ "GET", "/organismes-formation/{id}/modifier", web_training_org_edit_form, PROGRAMME_EDITORS, 0 },
	{ "POST", "/organismes-formation/{id}/modifier", web_training_org_edit, PROGRAMME_EDITORS, CHANGES },
	{ "GET", "/contrats/{id}/parcours", web_path, ANY, 0 },
	{ "POST", "/contrats/{id}/parcours/modele", web_path_template, ANY, CHANGES },
	{ "GET", "/contrats/{id}/parcours/modules/nouveau", web_path_module_new_form, ANY, 0 },
	{ "POST", "/contrats/{id}/parcours/modules/nouveau", web_path_module_new, ANY, CHANGES },
	{ "GET", "/contrats/{id}/parcours/modules/{id}/modifier", web_path_module, ANY, 0 },
	{ "POST", "/contrats/{id}/parcours/modules/{id}/modifier", web_path_module_edit, ANY, CHANGES },
	{ "POST", "/contrats/{id}/parcours/modules/{id}/retirer", web_path_module_remove, ANY, CHANGES },
	{ "POST", "/contrats/{id}/parcours/modules/{id}/actions/{token}", web_path_module_act, ANY, CHANGES },
	{ "GET", "/sessions", web_sessions, ANY, 0 },
	{ "GET", "/sessions/a-risque", web_sessions_at_risk, TRAINING_OVERSIGHT, 0 },
	{ "GET", "/sessions/nouvelle", web_session_new_form, SESSION_CREATORS, 0 },
	{ "POST", "/sessions/nouvelle", web_session_new, SESSION_CREATORS, CHANGES },
	{ "GET", "/sessions/{id}", web_session, ANY, 0 },
	{ "GET", "/sessions/{id}/modifier", web_session_edit_form, SESSION_CREATORS, 0 },
	{ "POST", "/sessions/{id}/modifier", web_session_edit, SESSION_CREATORS, CHANGES },
	{ "POST", "/sessions/{id}/actions/{token}", web_session_act, SESSION_CREATORS, CHANGES },
	{ "POST", "/sessions/{id}/inscriptions", web_session_register, ANY, CHANGES },
	{ "GET", "/sessions/{id}/presences", web_session_attendance, SESSION_CREATORS, 0 },
	{ "POST", "/sessions/{id}/presences", web_session_attendance_record, SESSION_CREATORS, CHANGES },
	{ "POST", "/inscriptions/{id}/annuler", web_registration_cancel, ANY, CHANGES },
	{ "GET", "/tuteurs", web_tutors, TRAINING_OVERSIGHT | ROLE_BIT(ROLE_EMPLOYER), 0 },
	{ "GET", "/tuteurs/{id}", web_tutor, ANY, 0 },

	/* API. */
	{ "GET", "/api/v1/me", api_me, ANY, API },
	{ "GET", "/api/v1/communes", api_communes, PUBLIC, API },
	{ "GET", "/api/v1/regions", api_regions, PUBLIC, API },
	{ "GET", "/api/v1/people", api_people, ADMIN, API },
	{ "POST", "/api/v1/people", api_person_create, ADMIN, API | CHANGES },
	{ "GET", "/api/v1/people/{id}", api_person, ANY, API },
	{ "PATCH", "/api/v1/people/{id}", api_person_update, ADMIN, API | CHANGES },
	{ "POST", "/api/v1/people/{id}/memberships", api_membership_add, ADMIN, API | CHANGES },
	{ "DELETE", "/api/v1/memberships/{id}", api_membership_remove, ADMIN, API | CHANGES },
	{ "GET", "/api/v1/organisations", api_orgs, ADMIN, API },
	{ "POST", "/api/v1/organisations", api_org_create, ADMIN, API | CHANGES },
	{ "GET", "/api/v1/organisations/{id}", api_org, ANY, API },
	{ "PATCH", "/api/v1/organisations/{id}", api_org_update, ADMIN, API | CHANGES },
	{ "GET", "/api/v1/tokens", api_tokens, ANY, API },
	{ "POST", "/api/v1/tokens", api_token_create, ANY, API | CHANGES },
	{ "DELETE", "/api/v1/tokens/{id}", api_token_revoke, ANY, API | CHANGES },
	{ "GET", "/api/v1/places.csv", api_places_csv, PUBLIC, API },
	{ "GET", "/api/v1/places.json", api_places_json, PUBLIC, API },
	{ "GET", "/api/v1/places.geojson", api_places_geojson, PUBLIC, API },
	{ "POST", "/api/v1/places", api_place_create, PLACE_CREATORS, API | CHANGES },
	{ "GET", "/api/v1/openapi.json", api_openapi, PUBLIC, API },
	{ "GET", "/api/v1/programmes", api_programmes, PUBLIC, API },
	{ "POST", "/api/v1/programmes", api_programme_create, PROGRAMME_EDITORS, API | CHANGES },
	{ "GET", "/api/v1/programmes/{id}", api_programme, PUBLIC, API },
	{ "PATCH", "/api/v1/programmes/{id}", api_programme_update, PROGRAMME_EDITORS, API | CHANGES },
	{ "POST", "/api/v1/programmes/{id}/job-profiles", api_job_profile_create, PROGRAMME_EDITORS, API | CHANGES },
	{ "GET", "/api/v1/programmes/{id}/quotas", api_programme_quotas, PUBLIC, API },
	{ "PUT", "/api/v1/programmes/{id}/region-targets/{token}", api_programme_region_target, PROGRAMME_EDITORS,
	    API | CHANGES },
	{ "GET", "/api/v1/job-profiles/{id}", api_job_profile, PUBLIC, API },
	{ "PATCH", "/api/v1/job-profiles/{id}", api_job_profile_update, PROGRAMME_EDITORS, API | CHANGES },
	{ "DELETE", "/api/v1/job-profiles/{id}", api_job_profile_remove, PROGRAMME_EDITORS, API | CHANGES },
	/* Dossiers: the domain decides who sees and does what (role, organisation, region, state). */
	{ "GET", "/api/v1/dossiers", api_dossiers, ANY, API },
	{ "POST", "/api/v1/dossiers", api_dossier_create, ANY, API | CHANGES },
	{ "GET", "/api/v1/dossiers/{id}", api_dossier, ANY, API },
	{ "PATCH", "/api/v1/dossiers/{id}", api_dossier_update, ANY, API | CHANGES },
	{ "POST", "/api/v1/dossiers/{id}/actions/{token}", api_dossier_act, ANY, API | CHANGES },
	{ "GET", "/api/v1/dossiers/{id}/journal", api_dossier_journal, ANY, API },
	{ "GET", "/api/v1/dossiers/{id}/messages", api_dossier_messages, ANY, API },
	{ "POST", "/api/v1/dossiers/{id}/messages", api_dossier_message_add, ANY, API | CHANGES },
	{ "GET", "/api/v1/dossiers/{id}/protocol.pdf", api_dossier_protocol, ANY, API },
	/* Job offers and matching: the domain decides who publishes, edits and sees the matches. */
	{ "GET", "/api/v1/offers", api_offers, PUBLIC, API },
	{ "GET", "/api/v1/offers/{id}", api_offer, PUBLIC, API },
	{ "PATCH", "/api/v1/offers/{id}", api_offer_update, ANY, API | CHANGES },
	{ "POST", "/api/v1/offers/{id}/actions/{token}", api_offer_act, ANY, API | CHANGES },
	{ "GET", "/api/v1/offers/{id}/journal", api_offer_journal, ANY, API },
	{ "GET", "/api/v1/offers/{id}/matches", api_offer_matches, ANY, API },
	{ "POST", "/api/v1/dossiers/{id}/offers", api_offer_create, ANY, API | CHANGES },
	{ "GET", "/api/v1/candidates/{id}/matches", api_candidate_matches, ANY, API },
	/* Candidates and prescribers. Self-registration is public and needs no CSRF token: an API body must be JSON,
	 * which a cross-site form cannot send without a CORS preflight this server never grants. */
	{ "POST", "/api/v1/candidates", api_candidate_register, PUBLIC, API },
	{ "GET", "/api/v1/candidates/me", api_candidate_me, ROLE_BIT(ROLE_CANDIDATE), API },
	{ "PATCH", "/api/v1/candidates/me", api_candidate_me_update, ROLE_BIT(ROLE_CANDIDATE), API | CHANGES },
	{ "DELETE", "/api/v1/candidates/me", api_candidate_me_delete, ROLE_BIT(ROLE_CANDIDATE), API | CHANGES },
	{ "GET", "/api/v1/candidates/me/export", api_candidate_me_export, ROLE_BIT(ROLE_CANDIDATE), API },
	{ "POST", "/api/v1/candidates/me/followers", api_candidate_follower_invite, ROLE_BIT(ROLE_CANDIDATE),
	    API | CHANGES },
	{ "POST", "/api/v1/candidates/me/followers/{id}/accept", api_candidate_follower_accept,
	    ROLE_BIT(ROLE_CANDIDATE), API | CHANGES },
	{ "DELETE", "/api/v1/candidates/me/followers/{id}", api_candidate_follower_remove, ROLE_BIT(ROLE_CANDIDATE),
	    API | CHANGES },
	{ "GET", "/api/v1/candidates/{id}", api_candidate, ANY, API },
	{ "GET", "/api/v1/candidates/{id}/cv", api_candidate_cv, ANY, API },
	{ "GET", "/api/v1/candidates/{id}/eligibility", api_candidate_eligibility, ANY, API },
	{ "POST", "/api/v1/candidates/{id}/eligibility", api_candidate_eligibility_create, ROLE_BIT(ROLE_PRESCRIBER),
	    API | CHANGES },
	{ "GET", "/api/v1/prescriber/candidates", api_prescriber_candidates, ROLE_BIT(ROLE_PRESCRIBER), API },
	{ "POST", "/api/v1/prescriber/candidates", api_prescriber_follow, ROLE_BIT(ROLE_PRESCRIBER), API | CHANGES },
	{ "DELETE", "/api/v1/prescriber/candidates/{id}", api_prescriber_unfollow, ROLE_BIT(ROLE_PRESCRIBER),
	    API | CHANGES },
	/* Applications and contracts: the domain decides who sees and does what (party, organisation, region). */
	{ "POST", "/api/v1/offers/{id}/applications", api_application_create, ROLE_BIT(ROLE_CANDIDATE), API | CHANGES },
	{ "POST", "/api/v1/offers/{id}/proposals", api_application_propose, ROLE_BIT(ROLE_EMPLOYER), API | CHANGES },
	{ "GET", "/api/v1/applications", api_applications, ANY, API },
	{ "GET", "/api/v1/applications/{id}", api_application, ANY, API },
	{ "POST", "/api/v1/applications/{id}/actions/{token}", api_application_act, ANY, API | CHANGES },
	{ "GET", "/api/v1/contracts", api_contracts, ANY, API },
	{ "GET", "/api/v1/contracts/{id}", api_contract, ANY, API },
	{ "POST", "/api/v1/contracts/{id}/actions/{token}", api_contract_act, ANY, API | CHANGES },
	{ "GET", "/api/v1/contracts/{id}/skills", api_contract_skills, ANY, API },
	{ "POST", "/api/v1/contracts/{id}/assessments", api_contract_assess, ANY, API | CHANGES },
	{ "GET", "/api/v1/competences", api_competences, PUBLIC, API },
	{ "POST", "/api/v1/competences", api_competence_create, ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_ADMIN),
	    API | CHANGES },
	{ "PATCH", "/api/v1/competences/{id}", api_competence_update, ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_ADMIN),
	    API | CHANGES },

	{ "GET", "/api/v1/poles", api_poles, POLE_VIEWERS, API },
	{ "GET", "/api/v1/poles/{id}", api_pole, POLE_VIEWERS, API },
	{ "PATCH", "/api/v1/poles/{id}", api_pole_update, PROGRAMME_EDITORS, API | CHANGES },
	{ "GET", "/api/v1/dossiers/{id}/diagnoses", api_dossier_diagnoses, DOSSIER_PEOPLE, API },
	{ "POST", "/api/v1/dossiers/{id}/diagnoses", api_dossier_diagnosis_create, POLE_STAFF, API | CHANGES },
	{ "GET", "/api/v1/diagnoses/{id}", api_diagnosis, DOSSIER_PEOPLE, API },
	{ "PATCH", "/api/v1/diagnoses/{id}", api_diagnosis_update, POLE_STAFF, API | CHANGES },
	{ "GET", "/api/v1/resources", api_resources, LIBRARY_READERS, API },
	{ "POST", "/api/v1/resources", api_resource_create, POLE_STAFF, API | CHANGES | ROUTE_UPLOAD },
	{ "GET", "/api/v1/resources/{id}", api_resource, LIBRARY_READERS, API },
	{ "GET", "/api/v1/partners", api_partners, LIBRARY_READERS, API },
	{ "POST", "/api/v1/partners", api_partner_create, POLE_VIEWERS, API | CHANGES },
	{ "GET", "/api/v1/partners/suggestions", api_partner_suggest, LIBRARY_READERS, API },
	{ "GET", "/api/v1/partners/{id}", api_partner, LIBRARY_READERS, API },
	{ "PATCH", "/api/v1/partners/{id}", api_partner_update, POLE_VIEWERS, API | CHANGES },
	/* Training: paths, sessions, registrations, attendance, training organisations, tutors. */
	{ "GET", "/api/v1/contracts/{id}/path", api_contract_path, ANY, API },
	{ "POST", "/api/v1/contracts/{id}/path/template", api_contract_path_template, ANY, API | CHANGES },
	{ "POST", "/api/v1/contracts/{id}/path/modules", api_path_module_create, ANY, API | CHANGES },
	{ "GET", "/api/v1/path-modules/{id}", api_path_module, ANY, API },
	{ "PATCH", "/api/v1/path-modules/{id}", api_path_module_update, ANY, API | CHANGES },
	{ "DELETE", "/api/v1/path-modules/{id}", api_path_module_remove, ANY, API | CHANGES },
	{ "POST", "/api/v1/path-modules/{id}/actions/{token}", api_path_module_act, ANY, API | CHANGES },
	{ "GET", "/api/v1/training-organisations", api_training_orgs, ANY, API },
	{ "GET", "/api/v1/training-organisations/{id}", api_training_org, ANY, API },
	{ "PATCH", "/api/v1/training-organisations/{id}", api_training_org_update, PROGRAMME_EDITORS, API | CHANGES },
	{ "GET", "/api/v1/sessions", api_sessions, ANY, API },
	{ "POST", "/api/v1/sessions", api_session_create, SESSION_CREATORS, API | CHANGES },
	{ "GET", "/api/v1/sessions/at-risk", api_sessions_at_risk, TRAINING_OVERSIGHT, API },
	{ "GET", "/api/v1/sessions/{id}", api_session, ANY, API },
	{ "PATCH", "/api/v1/sessions/{id}", api_session_update, SESSION_CREATORS, API | CHANGES },
	{ "POST", "/api/v1/sessions/{id}/actions/{token}", api_session_act, SESSION_CREATORS, API | CHANGES },
	{ "POST", "/api/v1/sessions/{id}/registrations", api_session_register, ANY, API | CHANGES },
	{ "GET", "/api/v1/sessions/{id}/attendance", api_session_attendance, SESSION_CREATORS, API },
	{ "POST", "/api/v1/sessions/{id}/attendance", api_session_attendance_record, SESSION_CREATORS, API | CHANGES },
	{ "POST", "/api/v1/registrations/{id}/actions/{token}", api_registration_act, ANY, API | CHANGES },
	{ "GET", "/api/v1/tutors", api_tutors, TRAINING_OVERSIGHT | ROLE_BIT(ROLE_EMPLOYER), API },
	{ "GET", "/api/v1/tutors/{id}", api_tutor, ANY, API },

	/* Faults and personal data (issue 17): the journal's published heads, public ("/journal/atom.xml" before
	 * "/journal/{token}", which serves /journal/YYYY-MM-DD.txt). */
	{ "GET", "/journal/atom.xml", web_journal_feed, PUBLIC, 0 },
	{ "GET", "/journal/{token}", web_journal_head, PUBLIC, 0 },

	/* The directory's search and public pages: last, since "/lieux/{token}" also matches literal paths such
	 * as /lieux/import, which must come first. */
	{ "GET", "/lieux", web_places, PUBLIC, 0 },
	{ "GET", "/lieux/{token}", web_place, PUBLIC, 0 },
	{ "GET", "/api/v1/places", api_places, PUBLIC, API },
	{ "GET", "/api/v1/places/{token}", api_place, PUBLIC, API },
};
const size_t app_routes_count = sizeof(app_routes) / sizeof(app_routes[0]);
