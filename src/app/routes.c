/* Every route of the platform, one row each: method, path, handler, who may call it, flags. It sits above web
 * and api since it names the handlers of both; http only receives it (server_run). */
#include "app/app.h"

#include "api/activity/activity.h"
#include "api/integrations/webhooks.h"
#include "api/news/news.h"
#include "api/api.h"
#include "domain/steering/annual_report.h"
#include "domain/steering/steering.h"
#include "domain/integrations/webhook.h"
#include "domain/news/news.h"
#include "model/accounts/role.h"
#include "web/activity/activity.h"
#include "web/integrations/webhooks.h"
#include "web/news/news.h"
#include "web/sso/sso.h"
#include "web/web.h"

/* A row names its declaration (route.data) only where a generic handler serves it (web_lifecycle_get…): the others
 * leave the last member out. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define ADMIN ROLE_BIT(ROLE_ADMIN)
#define ANY ROLES_SIGNED_IN
#define PUBLIC ROLES_PUBLIC
#define CHANGES ROUTE_CHANGES
#define API ROUTE_API
#define LONG ROUTE_LONG       /* an export or a report: the long time budget (server.long_deadline_ms) */
#define LOOP ROUTE_LOOP       /* never touches storage: served on the event loop, without a session */
#define PARTIAL ROUTE_PARTIAL /* open to a session waiting for its second factor */
#define STEP_UP ROUTE_STEP_UP /* sensitive: a second factor older than 10 minutes is asked again */
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
/* Who reads the tutors of live contracts (the domain narrows a pole to its regions, a structure to its contracts). */
#define TUTOR_READERS (ROLE_BIT(ROLE_POLE) | ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_EMPLOYER))
#define TRAINING_OVERSIGHT \
	(ROLE_BIT(ROLE_POLE) | ROLE_BIT(ROLE_REGIONAL) | ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_ADMIN))

/* The access class of each row (router.h, enum route_access; docs/SECURITY.md, "Authorization matrix"), then the
 * kind of object its first {id} or {token} names (NULL without one). */
#define A_PUBLIC ACCESS_PUBLIC
#define A_ROLE ACCESS_ROLE
#define A_SELF ACCESS_SELF
#define A_ORG ACCESS_ORG
#define A_STAFF ACCESS_ORG_STAFF
#define A_PARTY ACCESS_PARTY
#define A_CONSENT ACCESS_CONSENT
#define A_FOLLOWED ACCESS_FOLLOWED
#define A_LIST ACCESS_LIST

/* Subsidies: the SMIC table and the rules are read by anyone signed in and edited by national officers; the rest is
 * open to everyone signed in at the route, the domain's scope tables deciding (employer, region, paying agency). */
#define SUBSIDY_NATIONAL (ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_ADMIN))
/* The list of payment orders and their making: national officers and the paying agencies (an order itself is
 * open to anyone signed in, the domain answering 404 out of its scope); budget envelopes: those, the regional
 * officers and steering members. */
#define SUBSIDY_PAYERS (SUBSIDY_NATIONAL | ROLE_BIT(ROLE_PAYER))
#define SUBSIDY_BUDGET (SUBSIDY_PAYERS | ROLE_BIT(ROLE_REGIONAL) | ROLE_BIT(ROLE_VIEWER))

/* Activity reports: who reads figures and reports (the domain narrows each to their scope), who oversees the
 * advisers without a report, who edits the vocabularies. */
#define ACTIVITY_READERS                                                                                      \
	(ROLE_BIT(ROLE_CANDIDATE) | ROLE_BIT(ROLE_EMPLOYER) | ROLE_BIT(ROLE_POLE) | ROLE_BIT(ROLE_REGIONAL) | \
	    ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_VIEWER) | ROLE_BIT(ROLE_ADMIN))
#define ACTIVITY_OVERSIGHT                                                                                   \
	(ROLE_BIT(ROLE_EMPLOYER) | ROLE_BIT(ROLE_POLE) | ROLE_BIT(ROLE_REGIONAL) | ROLE_BIT(ROLE_NATIONAL) | \
	    ROLE_BIT(ROLE_VIEWER) | ROLE_BIT(ROLE_ADMIN))
#define ACTIVITY_VOCAB_EDITORS (ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_NATIONAL))

const struct route app_routes[] = {
	{ "GET", "/healthz", api_health, PUBLIC, API | ROUTE_HEALTH, A_PUBLIC, NULL },
	/* Only for the addresses of [metrics] allow (others: 404, as if it did not exist). */
	{ "GET", "/metrics", api_metrics, PUBLIC, ROUTE_HEALTH, A_PUBLIC, "metrics" },
	{ "GET", "/__test/slow", api_test_slow, PUBLIC, API | ROUTE_HEALTH, A_PUBLIC, NULL },

	/* Public pages. */
	{ "GET", "/", web_home, PUBLIC, 0, A_PUBLIC, NULL },
	{ "GET", "/accessibilite", web_legal, PUBLIC, 0, A_PUBLIC, NULL },
	{ "GET", "/mentions-legales", web_legal, PUBLIC, 0, A_PUBLIC, NULL },
	{ "GET", "/donnees-personnelles", web_legal, PUBLIC, 0, A_PUBLIC, NULL },
	{ "GET", "/aide", web_legal, PUBLIC, 0, A_PUBLIC, NULL },
	{ "GET", "/contact", web_legal, PUBLIC, 0, A_PUBLIC, NULL },
	{ "GET", "/robots.txt", web_robots, PUBLIC, LOOP, A_PUBLIC, NULL },
	{ "GET", "/favicon.ico", web_favicon, PUBLIC, LOOP, A_PUBLIC, NULL },
	{ "GET", "/connexion", web_login_form, PUBLIC, 0, A_PUBLIC, NULL },
	{ "POST", "/connexion", web_login, PUBLIC, CHANGES, A_PUBLIC, NULL },
	{ "POST", "/deconnexion", web_logout, ANY, CHANGES | PARTIAL, A_SELF, NULL },
	{ "GET", "/connexion/second-facteur", web_second_factor_form, ANY, PARTIAL, A_SELF, NULL },
	{ "POST", "/connexion/second-facteur", web_second_factor, ANY, CHANGES | PARTIAL, A_SELF, NULL },
	{ "GET", "/mot-de-passe-oublie", web_forgot_form, PUBLIC, 0, A_PUBLIC, NULL },
	{ "POST", "/mot-de-passe-oublie", web_forgot, PUBLIC, CHANGES, A_PUBLIC, NULL },
	{ "GET", "/mot-de-passe/{token}", web_link_form, PUBLIC, 0, A_PUBLIC, "link" },
	{ "POST", "/mot-de-passe/{token}", web_link_set, PUBLIC, CHANGES, A_PUBLIC, "link" },
	{ "GET", "/invitation/{token}", web_link_form, PUBLIC, 0, A_PUBLIC, "link" },
	{ "POST", "/invitation/{token}", web_link_set, PUBLIC, CHANGES, A_PUBLIC, "link" },
	{ "GET", "/inscription/confirmer/{token}", web_confirm_form, PUBLIC, 0, A_PUBLIC, "link" },
	{ "POST", "/inscription/confirmer/{token}", web_confirm, PUBLIC, CHANGES, A_PUBLIC, "link" },

	/* Signing in with ProConnect and FranceConnect ({token}: the provider's name; 404 when not configured). The
	 * return from the provider is a GET without CSRF token: its state, bound to the browser, stands for it. */
	{ "POST", "/oidc/{token}/connexion", web_oidc_begin, PUBLIC, CHANGES, A_PUBLIC, "oidc_provider" },
	{ "GET", "/oidc/{token}/retour", web_oidc_callback, PUBLIC, 0, A_PUBLIC, "oidc_provider" },
	{ "GET", "/oidc/{token}/deconnexion", web_oidc_logged_out, PUBLIC, 0, A_PUBLIC, "oidc_provider" },
	{ "GET", "/oidc/liaison", web_oidc_link_form, PUBLIC, 0, A_PUBLIC, NULL },
	{ "POST", "/oidc/liaison", web_oidc_link, PUBLIC, CHANGES, A_PUBLIC, NULL },
	{ "POST", "/oidc/liaison/courriel", web_oidc_link_send, PUBLIC, CHANGES, A_PUBLIC, NULL },
	{ "GET", "/oidc/liaison/{token}", web_oidc_link_token_form, PUBLIC, 0, A_PUBLIC, "link" },
	{ "POST", "/oidc/liaison/{token}", web_oidc_link_token, PUBLIC, CHANGES, A_PUBLIC, "link" },
	/* Accounts made through ProConnect, waiting: admins decide any, employers those matched to their structure. */
	{ "GET", "/comptes-en-attente", web_sso_pending, ADMIN | ROLE_BIT(ROLE_EMPLOYER), 0, A_LIST, NULL },
	{ "POST", "/comptes-en-attente/{id}/approuver", web_sso_pending_approve, ADMIN | ROLE_BIT(ROLE_EMPLOYER),
	    CHANGES, A_ORG, "oidc_pending" },
	{ "POST", "/comptes-en-attente/{id}/refuser", web_sso_pending_refuse, ADMIN | ROLE_BIT(ROLE_EMPLOYER), CHANGES,
	    A_ORG, "oidc_pending" },

	/* The signed-in person. */
	{ "GET", "/compte", web_account, ANY, 0, A_SELF, NULL },
	{ "GET", "/notifications", web_notifications, ANY, 0, A_SELF, NULL },
	{ "POST", "/notifications/lues", web_notifications_read, ANY, CHANGES, A_SELF, NULL },
	{ "POST", "/compte/mot-de-passe", web_account_password, ANY, CHANGES, A_SELF, NULL },
	{ "POST", "/compte/jetons", web_account_token_create, ANY, CHANGES | STEP_UP, A_SELF, NULL },
	{ "GET", "/compte/double-authentification", web_enrol_form, ANY, PARTIAL, A_SELF, NULL },
	{ "POST", "/compte/double-authentification", web_enrol, ANY, CHANGES | PARTIAL, A_SELF, NULL },
	{ "POST", "/compte/double-authentification/codes", web_recovery_renew, ANY, CHANGES | STEP_UP, A_SELF, NULL },
	{ "POST", "/compte/double-authentification/desactiver", web_second_factor_remove, ANY, CHANGES | STEP_UP,
	    A_SELF, NULL },
	{ "POST", "/compte/jetons/{id}/revoquer", web_account_token_revoke, ANY, CHANGES, A_SELF, "token" },
	/* Every person's data: the readable page, the download, erasure in two steps (request, then confirmation). */
	{ "GET", "/mes-donnees", web_my_data, ANY, LONG, A_SELF, NULL },
	{ "GET", "/mes-donnees.json", web_my_data_json, ANY, LONG, A_SELF, NULL },
	{ "POST", "/mes-donnees/effacement", web_erasure_request, ANY, CHANGES, A_SELF, NULL },
	{ "POST", "/mes-donnees/effacement/confirmer", web_erasure_confirm, ANY, CHANGES, A_SELF, NULL },

	/* Administration. */
	{ "GET", "/admin", web_admin_home, ADMIN, 0, A_ROLE, NULL },
	{ "GET", "/admin/personnes", web_admin_people, ADMIN, 0, A_ROLE, NULL },
	{ "GET", "/admin/personnes/nouvelle", web_admin_person_new_form, ADMIN, 0, A_ROLE, NULL },
	{ "POST", "/admin/personnes/nouvelle", web_admin_person_new, ADMIN, CHANGES, A_ROLE, NULL },
	{ "GET", "/admin/personnes/{id}", web_admin_person, ADMIN, 0, A_ROLE, "person" },
	{ "POST", "/admin/personnes/{id}", web_admin_person_update, ADMIN, CHANGES, A_ROLE, "person" },
	{ "POST", "/admin/personnes/{id}/inviter", web_admin_person_invite, ADMIN, CHANGES, A_ROLE, "person" },
	{ "POST", "/admin/personnes/{id}/roles", web_admin_membership_add, ADMIN, CHANGES | STEP_UP, A_ROLE, "person" },
	{ "POST", "/admin/personnes/{id}/roles/{id}/retirer", web_admin_membership_remove, ADMIN, CHANGES | STEP_UP,
	    A_ROLE, "person" },
	{ "POST", "/admin/personnes/{id}/jetons/{id}/revoquer", web_admin_token_revoke, ADMIN, CHANGES, A_ROLE,
	    "person" },
	{ "GET", "/admin/structures", web_admin_orgs, ADMIN, 0, A_ROLE, NULL },
	{ "GET", "/admin/structures/nouvelle", web_admin_org_new_form, ADMIN, 0, A_ROLE, NULL },
	{ "POST", "/admin/structures/nouvelle", web_admin_org_new, ADMIN, CHANGES, A_ROLE, NULL },
	{ "GET", "/admin/structures/{id}", web_admin_org, ADMIN, 0, A_ROLE, "organisation" },
	{ "POST", "/admin/structures/{id}", web_admin_org_update, ADMIN, CHANGES, A_ROLE, "organisation" },
	{ "GET", "/admin/journal", web_admin_journal, ADMIN, 0, A_ROLE, NULL },
	{ "GET", "/admin/doublons", web_admin_duplicates, ADMIN, 0, A_ROLE, NULL },
	{ "POST", "/admin/doublons/decider", web_admin_duplicate_decide, ADMIN, CHANGES, A_ROLE, NULL },

	/* Changing the directory (before "/lieux/{token}" below). The domain decides who edits which place. */
	{ "GET", "/lieux/import", web_place_import_form, ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_NATIONAL), 0, A_ROLE,
	    NULL },
	{ "POST", "/lieux/import", web_place_import, ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_NATIONAL),
	    CHANGES | ROUTE_UPLOAD | LONG, A_ROLE, NULL },
	{ "POST", "/lieux/reseaux", web_place_network_add, ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_NATIONAL), CHANGES,
	    A_ROLE, NULL },
	{ "GET", "/lieux/nouveau", web_place_new_form, PLACE_CREATORS, 0, A_ROLE, NULL },
	{ "POST", "/lieux/nouveau", web_place_new, PLACE_CREATORS, CHANGES, A_ROLE, NULL },
	{ "GET", "/lieux/{token}/modifier", web_place_edit_form, ANY, 0, A_STAFF, "place" },
	{ "POST", "/lieux/{token}/modifier", web_place_edit, ANY, CHANGES, A_STAFF, "place" },

	/* Programmes (public) and their editing; literal paths before "{id}" ones. */
	{ "GET", "/programmes", web_programmes, PUBLIC, 0, A_PUBLIC, NULL },
	{ "GET", "/programmes/nouveau", web_programme_new_form, PROGRAMME_EDITORS, 0, A_ROLE, NULL },
	{ "POST", "/programmes/nouveau", web_programme_new, PROGRAMME_EDITORS, CHANGES, A_ROLE, NULL },
	{ "POST", "/programmes/{id}/objectifs", web_programme_region_target, PROGRAMME_EDITORS, CHANGES, A_ROLE,
	    "programme" },
	{ "GET", "/programmes/{id}", web_programme, PUBLIC, 0, A_PUBLIC, "programme" },
	{ "GET", "/programmes/{id}/modifier", web_programme_edit_form, PROGRAMME_EDITORS, 0, A_ROLE, "programme" },
	{ "POST", "/programmes/{id}/modifier", web_programme_edit, PROGRAMME_EDITORS, CHANGES, A_ROLE, "programme" },
	{ "GET", "/programmes/{id}/metiers/nouveau", web_job_profile_new_form, PROGRAMME_EDITORS, 0, A_ROLE,
	    "programme" },
	{ "POST", "/programmes/{id}/metiers/nouveau", web_job_profile_new, PROGRAMME_EDITORS, CHANGES, A_ROLE,
	    "programme" },
	{ "GET", "/metiers/{id}/modifier", web_job_profile_edit_form, PROGRAMME_EDITORS, 0, A_ROLE, "job_profile" },
	{ "POST", "/metiers/{id}/modifier", web_job_profile_edit, PROGRAMME_EDITORS, CHANGES, A_ROLE, "job_profile" },
	{ "POST", "/metiers/{id}/retirer", web_job_profile_remove, PROGRAMME_EDITORS, CHANGES, A_ROLE, "job_profile" },

	/* Dossiers: the domain decides who reads and acts on which one. */
	{ "GET", "/dossiers", web_dossiers, DOSSIER_PEOPLE, 0, A_LIST, NULL },
	{ "GET", "/dossiers.csv", web_dossiers_csv, DOSSIER_PEOPLE, LONG, A_LIST, NULL },
	{ "GET", "/dossiers.xlsx", web_dossiers_xlsx, DOSSIER_PEOPLE, LONG, A_LIST, NULL },
	{ "GET", "/dossiers/nouveau", web_dossier_new_form, ROLE_BIT(ROLE_EMPLOYER), 0, A_ROLE, NULL },
	{ "POST", "/dossiers/nouveau", web_dossier_new, ROLE_BIT(ROLE_EMPLOYER), CHANGES, A_ROLE, NULL },
	{ "GET", "/dossiers/{id}", web_dossier, DOSSIER_PEOPLE, 0, A_ORG, "dossier" },
	{ "GET", "/dossiers/{id}/modifier", web_dossier_edit_form, DOSSIER_PEOPLE, 0, A_STAFF, "draft_dossier" },
	{ "POST", "/dossiers/{id}/modifier", web_dossier_edit, DOSSIER_PEOPLE, CHANGES, A_STAFF, "draft_dossier" },
	{ "POST", "/dossiers/{id}/actions/{token}", web_dossier_act, DOSSIER_PEOPLE, CHANGES, A_ORG, "dossier" },
	{ "POST", "/dossiers/{id}/messages", web_dossier_message, DOSSIER_PEOPLE, CHANGES, A_ORG, "dossier" },
	{ "GET", "/dossiers/{id}/protocole.pdf", web_dossier_pdf, DOSSIER_PEOPLE, LONG, A_ORG, "dossier" },

	/* Job offers: the public board, its feed and one offer; the structure's side (the domain decides which
	 * offers); the candidates matched to an offer; the offers suggested to a candidate. */
	{ "GET", "/offres", web_offers, PUBLIC, 0, A_PUBLIC, NULL },
	{ "GET", "/offres.atom", web_offers_feed, PUBLIC, 0, A_PUBLIC, NULL },
	{ "GET", "/offres/{id}", web_offer, PUBLIC, 0, A_PUBLIC, "offer" },
	{ "GET", "/offres/{id}/modifier", web_offer_edit_form, ROLE_BIT(ROLE_EMPLOYER), 0, A_STAFF, "offer" },
	{ "POST", "/offres/{id}/modifier", web_offer_edit, ROLE_BIT(ROLE_EMPLOYER), CHANGES, A_STAFF, "offer" },
	{ "POST", "/offres/{id}/fermer", web_offer_close, ROLE_BIT(ROLE_EMPLOYER), CHANGES, A_STAFF, "offer" },
	{ "POST", "/offres/{id}/rouvrir", web_offer_reopen, ROLE_BIT(ROLE_EMPLOYER), CHANGES, A_STAFF, "offer" },
	{ "GET", "/offres/{id}/candidats", web_offer_candidates,
	    ROLE_BIT(ROLE_EMPLOYER) | ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_ADMIN), 0, A_STAFF, "offer" },
	{ "GET", "/dossiers/{id}/offres/nouvelle", web_offer_new_form, ROLE_BIT(ROLE_EMPLOYER), 0, A_STAFF, "dossier" },
	{ "POST", "/dossiers/{id}/offres/nouvelle", web_offer_new, ROLE_BIT(ROLE_EMPLOYER), CHANGES, A_STAFF,
	    "dossier" },
	{ "GET", "/structure/offres", web_structure_offers, ROLE_BIT(ROLE_EMPLOYER), 0, A_LIST, NULL },
	/* Applications and contracts: the domain decides who sees and does what (party, organisation, region). */
	{ "GET", "/offres/{id}/candidater", web_application_new_form, ROLE_BIT(ROLE_CANDIDATE), 0, A_ROLE, "offer" },
	{ "POST", "/offres/{id}/candidater", web_application_new, ROLE_BIT(ROLE_CANDIDATE), CHANGES, A_ROLE, "offer" },
	{ "POST", "/offres/{id}/candidats/{id}/proposer", web_application_propose, ROLE_BIT(ROLE_EMPLOYER), CHANGES,
	    A_STAFF, "offer" },
	{ "GET", "/candidatures", web_applications, ANY, 0, A_LIST, NULL },
	{ "GET", "/candidatures/{id}", web_lifecycle_get, ANY, 0, A_PARTY, "application", &web_application_page },
	{ "GET", "/candidatures/{id}/cv", web_application_cv, ANY, 0, A_CONSENT, "application" },
	{ "POST", "/candidatures/{id}/actions/{token}", web_lifecycle_post, ANY, CHANGES, A_PARTY, "application",
	    &web_application_page },
	{ "GET", "/contrats", web_contracts, ANY, 0, A_LIST, NULL },
	{ "GET", "/contrats/{id}", web_lifecycle_get, ANY, 0, A_PARTY, "contract", &web_contract_page },
	{ "POST", "/contrats/{id}/actions/{token}", web_lifecycle_post, ANY, CHANGES, A_PARTY, "contract",
	    &web_contract_page },
	{ "GET", "/candidat/offres-suggerees", web_candidate_offers, ROLE_BIT(ROLE_CANDIDATE), 0, A_LIST, NULL },

	/* Candidates (self-registration, their own profile, CV and data) and the prescribers that follow them; the
	 * domain decides whose profile a prescriber sees. */
	{ "GET", "/inscription-candidat", web_candidate_register_form, PUBLIC, 0, A_PUBLIC, NULL },
	{ "POST", "/inscription-candidat", web_candidate_register, PUBLIC, CHANGES, A_PUBLIC, NULL },
	{ "GET", "/candidat", web_candidate, ROLE_BIT(ROLE_CANDIDATE), 0, A_SELF, NULL },
	{ "POST", "/candidat", web_candidate_save, ROLE_BIT(ROLE_CANDIDATE), CHANGES, A_SELF, NULL },
	{ "GET", "/candidat/cv", web_candidate_cv, ROLE_BIT(ROLE_CANDIDATE), 0, A_SELF, NULL },
	{ "POST", "/candidat/cv", web_candidate_cv_upload, ROLE_BIT(ROLE_CANDIDATE), CHANGES | ROUTE_UPLOAD, A_SELF,
	    NULL },
	{ "GET", "/candidat/donnees", web_my_data_json, ROLE_BIT(ROLE_CANDIDATE), LONG, A_SELF, NULL },
	{ "POST", "/candidat/supprimer", web_candidate_delete, ROLE_BIT(ROLE_CANDIDATE), CHANGES, A_SELF, NULL },
	{ "POST", "/candidat/suivis/{id}/accepter", web_candidate_follower_accept, ROLE_BIT(ROLE_CANDIDATE), CHANGES,
	    A_SELF, "follower" },
	{ "POST", "/candidat/suivis/{id}/retirer", web_candidate_follower_remove, ROLE_BIT(ROLE_CANDIDATE), CHANGES,
	    A_SELF, "follower" },
	{ "GET", "/prescripteur", web_prescriber, ROLE_BIT(ROLE_PRESCRIBER), 0, A_LIST, NULL },
	{ "POST", "/prescripteur/suivre", web_prescriber_follow, ROLE_BIT(ROLE_PRESCRIBER), CHANGES, A_SELF, NULL },
	{ "GET", "/prescripteur/candidats/{id}", web_prescriber_candidate, ROLE_BIT(ROLE_PRESCRIBER), 0, A_FOLLOWED,
	    "candidate" },
	{ "GET", "/prescripteur/candidats/{id}/cv", web_prescriber_candidate_cv, ROLE_BIT(ROLE_PRESCRIBER), 0,
	    A_FOLLOWED, "candidate" },
	{ "POST", "/prescripteur/candidats/{id}/eligibilite", web_prescriber_diagnosis, ROLE_BIT(ROLE_PRESCRIBER),
	    CHANGES, A_FOLLOWED, "candidate" },
	{ "POST", "/prescripteur/candidats/{id}/ne-plus-suivre", web_prescriber_unfollow, ROLE_BIT(ROLE_PRESCRIBER),
	    CHANGES, A_FOLLOWED, "candidate" },

	/* The skills grid: the contract's readers see it, its young person and tutor fill it (the domain decides);
	 * national officers edit the competences. */
	{ "GET", "/contrats/{id}/grille", web_skills_grid, ANY, 0, A_PARTY, "contract" },
	{ "POST", "/contrats/{id}/grille", web_skills_assess, ANY, CHANGES, A_PARTY, "contract" },
	{ "GET", "/contrats/{id}/grille.csv", web_skills_grid_csv, ANY, LONG, A_PARTY, "contract" },
	{ "GET", "/grilles.csv", web_skills_all_csv,
	    ROLE_BIT(ROLE_POLE) | ROLE_BIT(ROLE_REGIONAL) | ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_ADMIN), LONG,
	    A_LIST, NULL },
	{ "GET", "/competences", web_competences, PUBLIC, 0, A_PUBLIC, NULL },
	{ "POST", "/competences", web_competence_create, ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_ADMIN), CHANGES,
	    A_ROLE, NULL },

	/* The resource poles (the domain decides which pole a pole person sees), the preliminary diagnoses of
	 * dossiers, the resources library and the vivier of partner companies. */
	{ "GET", "/poles", web_poles, POLE_VIEWERS, 0, A_LIST, NULL },
	{ "GET", "/poles/{id}", web_pole, POLE_VIEWERS, 0, A_ORG, "pole" },
	{ "GET", "/poles/{id}/modifier", web_pole_edit_form, PROGRAMME_EDITORS, 0, A_STAFF, "pole" },
	{ "POST", "/poles/{id}/modifier", web_pole_edit, PROGRAMME_EDITORS, CHANGES, A_STAFF, "pole" },
	{ "GET", "/dossiers/{id}/diagnostic-prealable", web_pole_diagnosis, DOSSIER_PEOPLE, 0, A_ORG, "dossier" },
	{ "POST", "/dossiers/{id}/diagnostic-prealable", web_pole_diagnosis_save, POLE_STAFF, CHANGES, A_ORG,
	    "dossier" },
	{ "GET", "/ressources", web_resources, LIBRARY_READERS, 0, A_LIST, NULL },
	{ "GET", "/ressources/nouvelle", web_resource_new_form, POLE_STAFF, 0, A_ROLE, NULL },
	{ "POST", "/ressources/nouvelle", web_resource_new, POLE_STAFF, CHANGES | ROUTE_UPLOAD, A_ROLE, NULL },
	{ "GET", "/ressources/{id}/fichier", web_resource_file, LIBRARY_READERS, 0, A_ROLE, "resource" },
	{ "GET", "/vivier", web_partners, LIBRARY_READERS, 0, A_LIST, NULL },
	{ "GET", "/vivier/nouveau", web_partner_new_form, POLE_VIEWERS, 0, A_ROLE, NULL },
	{ "POST", "/vivier/nouveau", web_partner_new, POLE_VIEWERS, CHANGES, A_ROLE, NULL },
	{ "GET", "/vivier/{id}/modifier", web_partner_edit_form, POLE_VIEWERS, 0, A_STAFF, "partner" },
	{ "POST", "/vivier/{id}/modifier", web_partner_edit, POLE_VIEWERS, CHANGES, A_STAFF, "partner" },

	/* Training: organisations (national officers edit), each contract's path (its readers see it, the structure
	 * and the pole change it), sessions, registrations, attendance and tutors; the domain decides who does what. */
	{ "GET", "/organismes-formation", web_training_orgs, ANY, 0, A_LIST, NULL },
	{ "GET", "/organismes-formation/{id}/modifier", web_training_org_edit_form, PROGRAMME_EDITORS, 0, A_ROLE,
	    "training_org" },
	{ "POST", "/organismes-formation/{id}/modifier", web_training_org_edit, PROGRAMME_EDITORS, CHANGES, A_ROLE,
	    "training_org" },
	{ "GET", "/contrats/{id}/parcours", web_path, ANY, 0, A_PARTY, "path" },
	{ "POST", "/contrats/{id}/parcours/modele", web_path_template, ANY, CHANGES, A_STAFF, "path" },
	{ "GET", "/contrats/{id}/parcours/modules/nouveau", web_path_module_new_form, ANY, 0, A_STAFF, "path" },
	{ "POST", "/contrats/{id}/parcours/modules/nouveau", web_path_module_new, ANY, CHANGES, A_STAFF, "path" },
	{ "GET", "/contrats/{id}/parcours/modules/{id}/modifier", web_path_module, ANY, 0, A_STAFF, "path" },
	{ "POST", "/contrats/{id}/parcours/modules/{id}/modifier", web_path_module_edit, ANY, CHANGES, A_STAFF,
	    "path" },
	{ "POST", "/contrats/{id}/parcours/modules/{id}/retirer", web_path_module_remove, ANY, CHANGES, A_STAFF,
	    "path" },
	{ "POST", "/contrats/{id}/parcours/modules/{id}/actions/{token}", web_path_module_act, ANY, CHANGES, A_PARTY,
	    "path" },
	{ "GET", "/sessions", web_sessions, ANY, 0, A_LIST, NULL },
	{ "GET", "/sessions/a-risque", web_sessions_at_risk, TRAINING_OVERSIGHT, 0, A_LIST, NULL },
	{ "GET", "/sessions/nouvelle", web_session_new_form, SESSION_CREATORS, 0, A_ROLE, NULL },
	{ "POST", "/sessions/nouvelle", web_session_new, SESSION_CREATORS, CHANGES, A_ROLE, NULL },
	{ "GET", "/sessions/{id}", web_session, ANY, 0, A_ROLE, "session" },
	{ "GET", "/sessions/{id}/modifier", web_session_edit_form, SESSION_CREATORS, 0, A_STAFF, "session" },
	{ "POST", "/sessions/{id}/modifier", web_session_edit, SESSION_CREATORS, CHANGES, A_STAFF, "session" },
	{ "POST", "/sessions/{id}/actions/{token}", web_session_act, SESSION_CREATORS, CHANGES, A_STAFF, "session" },
	{ "POST", "/sessions/{id}/inscriptions", web_session_register, ANY, CHANGES, A_ROLE, "session" },
	{ "GET", "/sessions/{id}/presences", web_session_attendance, SESSION_CREATORS, 0, A_STAFF, "session" },
	{ "POST", "/sessions/{id}/presences", web_session_attendance_record, SESSION_CREATORS, CHANGES, A_STAFF,
	    "session" },
	{ "POST", "/inscriptions/{id}/annuler", web_registration_cancel, ANY, CHANGES, A_PARTY, "registration" },
	{ "GET", "/tuteurs", web_tutors, TUTOR_READERS, 0, A_LIST, "tutor" },
	{ "GET", "/tuteurs/{id}", web_tutor, TUTOR_READERS, 0, A_ORG, "tutor" },

	/* API. */
	{ "GET", "/api/v1/me", api_me, ANY, API, A_SELF, NULL },
	{ "GET", "/api/v1/me/data", api_me_data, ANY, API | LONG, A_SELF, NULL },
	{ "GET", "/api/v1/me/erasure", api_me_erasure, ANY, API, A_SELF, NULL },
	{ "POST", "/api/v1/me/erasure", api_me_erasure_request, ANY, API | CHANGES, A_SELF, NULL },
	{ "POST", "/api/v1/me/erasure/confirm", api_me_erasure_confirm, ANY, API | CHANGES, A_SELF, NULL },
	{ "GET", "/api/v1/communes", api_communes, PUBLIC, API, A_PUBLIC, NULL },
	{ "GET", "/api/v1/regions", api_regions, PUBLIC, API, A_PUBLIC, NULL },
	{ "GET", "/api/v1/people", api_people, ADMIN, API, A_ROLE, NULL },
	{ "POST", "/api/v1/people", api_person_create, ADMIN, API | CHANGES, A_ROLE, NULL },
	{ "GET", "/api/v1/people/{id}", api_person, ANY, API, A_SELF, "person" },
	{ "PATCH", "/api/v1/people/{id}", api_person_update, ADMIN, API | CHANGES, A_ROLE, "person" },
	{ "POST", "/api/v1/people/{id}/memberships", api_membership_add, ADMIN, API | CHANGES | STEP_UP, A_ROLE,
	    "person" },
	{ "DELETE", "/api/v1/memberships/{id}", api_membership_remove, ADMIN, API | CHANGES | STEP_UP, A_ROLE,
	    "membership" },
	{ "GET", "/api/v1/organisations", api_orgs, ADMIN, API, A_ROLE, NULL },
	{ "POST", "/api/v1/organisations", api_org_create, ADMIN, API | CHANGES, A_ROLE, NULL },
	{ "GET", "/api/v1/organisations/{id}", api_org, ANY, API, A_SELF, "organisation" },
	{ "PATCH", "/api/v1/organisations/{id}", api_org_update, ADMIN, API | CHANGES, A_ROLE, "organisation" },
	{ "GET", "/api/v1/tokens", api_tokens, ANY, API, A_SELF, NULL },
	{ "POST", "/api/v1/tokens", api_token_create, ANY, API | CHANGES | STEP_UP, A_SELF, NULL },
	{ "DELETE", "/api/v1/tokens/{id}", api_token_revoke, ANY, API | CHANGES, A_SELF, "token" },
	{ "GET", "/api/v1/places.csv", api_places_csv, PUBLIC, API | LONG, A_PUBLIC, NULL },
	{ "GET", "/api/v1/places.json", api_places_json, PUBLIC, API | LONG, A_PUBLIC, NULL },
	{ "GET", "/api/v1/places.geojson", api_places_geojson, PUBLIC, API | LONG, A_PUBLIC, NULL },
	{ "POST", "/api/v1/places", api_place_create, PLACE_CREATORS, API | CHANGES, A_ROLE, NULL },
	{ "GET", "/api/v1/openapi.json", api_openapi, PUBLIC, API | LOOP, A_PUBLIC, NULL },
	{ "GET", "/api/v1/programmes", api_programmes, PUBLIC, API, A_PUBLIC, NULL },
	{ "POST", "/api/v1/programmes", api_programme_create, PROGRAMME_EDITORS, API | CHANGES, A_ROLE, NULL },
	{ "GET", "/api/v1/programmes/{id}", api_programme, PUBLIC, API, A_PUBLIC, "programme" },
	{ "PATCH", "/api/v1/programmes/{id}", api_programme_update, PROGRAMME_EDITORS, API | CHANGES, A_ROLE,
	    "programme" },
	{ "POST", "/api/v1/programmes/{id}/job-profiles", api_job_profile_create, PROGRAMME_EDITORS, API | CHANGES,
	    A_ROLE, "programme" },
	{ "GET", "/api/v1/programmes/{id}/quotas", api_programme_quotas, PUBLIC, API, A_PUBLIC, "programme" },
	{ "PUT", "/api/v1/programmes/{id}/region-targets/{token}", api_programme_region_target, PROGRAMME_EDITORS,
	    API | CHANGES, A_ROLE, "programme" },
	{ "GET", "/api/v1/job-profiles/{id}", api_job_profile, PUBLIC, API, A_PUBLIC, "job_profile" },
	{ "PATCH", "/api/v1/job-profiles/{id}", api_job_profile_update, PROGRAMME_EDITORS, API | CHANGES, A_ROLE,
	    "job_profile" },
	{ "DELETE", "/api/v1/job-profiles/{id}", api_job_profile_remove, PROGRAMME_EDITORS, API | CHANGES, A_ROLE,
	    "job_profile" },
	/* Dossiers: the domain decides who sees and does what (role, organisation, region, state). */
	{ "GET", "/api/v1/dossiers", api_dossiers, ANY, API, A_LIST, NULL },
	{ "POST", "/api/v1/dossiers", api_dossier_create, ANY, API | CHANGES, A_ROLE, NULL },
	{ "GET", "/api/v1/dossiers/{id}", api_dossier, ANY, API, A_ORG, "dossier" },
	{ "PATCH", "/api/v1/dossiers/{id}", api_dossier_update, ANY, API | CHANGES, A_STAFF, "draft_dossier" },
	{ "POST", "/api/v1/dossiers/{id}/actions/{token}", api_dossier_act, ANY, API | CHANGES, A_ORG, "dossier" },
	{ "GET", "/api/v1/dossiers/{id}/journal", api_dossier_journal, ANY, API, A_ORG, "dossier" },
	{ "GET", "/api/v1/dossiers/{id}/messages", api_dossier_messages, ANY, API, A_ORG, "dossier" },
	{ "POST", "/api/v1/dossiers/{id}/messages", api_dossier_message_add, ANY, API | CHANGES, A_ORG, "dossier" },
	{ "GET", "/api/v1/dossiers/{id}/protocol.pdf", api_dossier_protocol, ANY, API | LONG, A_ORG, "dossier" },
	/* Job offers and matching: the domain decides who publishes, edits and sees the matches. */
	{ "GET", "/api/v1/offers", api_offers, PUBLIC, API, A_PUBLIC, NULL },
	{ "GET", "/api/v1/offers/{id}", api_offer, PUBLIC, API, A_PUBLIC, "offer" },
	{ "PATCH", "/api/v1/offers/{id}", api_offer_update, ANY, API | CHANGES, A_STAFF, "offer" },
	{ "POST", "/api/v1/offers/{id}/actions/{token}", api_offer_act, ANY, API | CHANGES, A_STAFF, "offer" },
	{ "GET", "/api/v1/offers/{id}/journal", api_offer_journal, ANY, API, A_STAFF, "offer_journal" },
	{ "GET", "/api/v1/offers/{id}/matches", api_offer_matches, ANY, API, A_STAFF, "offer" },
	{ "POST", "/api/v1/dossiers/{id}/offers", api_offer_create, ANY, API | CHANGES, A_STAFF, "dossier" },
	{ "GET", "/api/v1/candidates/{id}/matches", api_candidate_matches, ANY, API, A_FOLLOWED, "candidate" },
	/* Candidates and prescribers. Self-registration is public and needs no CSRF token: an API body must be JSON,
	 * which a cross-site form cannot send without a CORS preflight this server never grants. */
	{ "POST", "/api/v1/candidates", api_candidate_register, PUBLIC, API, A_PUBLIC, NULL },
	{ "GET", "/api/v1/candidates/me", api_candidate_me, ROLE_BIT(ROLE_CANDIDATE), API, A_SELF, NULL },
	{ "PATCH", "/api/v1/candidates/me", api_candidate_me_update, ROLE_BIT(ROLE_CANDIDATE), API | CHANGES, A_SELF,
	    NULL },
	{ "DELETE", "/api/v1/candidates/me", api_candidate_me_delete, ROLE_BIT(ROLE_CANDIDATE), API | CHANGES, A_SELF,
	    NULL },
	{ "GET", "/api/v1/candidates/me/export", api_candidate_me_export, ROLE_BIT(ROLE_CANDIDATE), API | LONG, A_SELF,
	    NULL },
	{ "POST", "/api/v1/candidates/me/followers", api_candidate_follower_invite, ROLE_BIT(ROLE_CANDIDATE),
	    API | CHANGES, A_SELF, NULL },
	{ "POST", "/api/v1/candidates/me/followers/{id}/accept", api_candidate_follower_accept,
	    ROLE_BIT(ROLE_CANDIDATE), API | CHANGES, A_SELF, "follower" },
	{ "DELETE", "/api/v1/candidates/me/followers/{id}", api_candidate_follower_remove, ROLE_BIT(ROLE_CANDIDATE),
	    API | CHANGES, A_SELF, "follower" },
	{ "GET", "/api/v1/candidates/{id}", api_candidate, ANY, API, A_CONSENT, "candidate" },
	{ "GET", "/api/v1/candidates/{id}/cv", api_candidate_cv, ANY, API, A_CONSENT, "candidate" },
	{ "GET", "/api/v1/candidates/{id}/eligibility", api_candidate_eligibility, ANY, API, A_CONSENT, "candidate" },
	{ "POST", "/api/v1/candidates/{id}/eligibility", api_candidate_eligibility_create, ROLE_BIT(ROLE_PRESCRIBER),
	    API | CHANGES, A_FOLLOWED, "candidate" },
	{ "GET", "/api/v1/prescriber/candidates", api_prescriber_candidates, ROLE_BIT(ROLE_PRESCRIBER), API, A_LIST,
	    NULL },
	{ "POST", "/api/v1/prescriber/candidates", api_prescriber_follow, ROLE_BIT(ROLE_PRESCRIBER), API | CHANGES,
	    A_ROLE, NULL },
	{ "DELETE", "/api/v1/prescriber/candidates/{id}", api_prescriber_unfollow, ROLE_BIT(ROLE_PRESCRIBER),
	    API | CHANGES, A_FOLLOWED, "candidate" },
	/* Applications and contracts: the domain decides who sees and does what (party, organisation, region). */
	{ "POST", "/api/v1/offers/{id}/applications", api_application_create, ROLE_BIT(ROLE_CANDIDATE), API | CHANGES,
	    A_ROLE, "offer" },
	{ "POST", "/api/v1/offers/{id}/proposals", api_application_propose, ROLE_BIT(ROLE_EMPLOYER), API | CHANGES,
	    A_STAFF, "offer" },
	{ "GET", "/api/v1/applications", api_applications, ANY, API, A_LIST, NULL },
	{ "GET", "/api/v1/applications/{id}", api_application, ANY, API, A_PARTY, "application" },
	{ "POST", "/api/v1/applications/{id}/actions/{token}", api_application_act, ANY, API | CHANGES, A_PARTY,
	    "application" },
	{ "GET", "/api/v1/contracts", api_contracts, ANY, API, A_LIST, NULL },
	{ "GET", "/api/v1/contracts/{id}", api_contract, ANY, API, A_PARTY, "contract" },
	{ "POST", "/api/v1/contracts/{id}/actions/{token}", api_contract_act, ANY, API | CHANGES, A_PARTY, "contract" },
	{ "GET", "/api/v1/contracts/{id}/skills", api_contract_skills, ANY, API, A_PARTY, "contract" },
	{ "POST", "/api/v1/contracts/{id}/assessments", api_contract_assess, ANY, API | CHANGES, A_PARTY, "contract" },
	{ "GET", "/api/v1/competences", api_competences, PUBLIC, API, A_PUBLIC, NULL },
	{ "POST", "/api/v1/competences", api_competence_create, ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_ADMIN),
	    API | CHANGES, A_ROLE, NULL },
	{ "PATCH", "/api/v1/competences/{id}", api_competence_update, ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_ADMIN),
	    API | CHANGES, A_ROLE, "competence" },

	{ "GET", "/api/v1/poles", api_poles, POLE_VIEWERS, API, A_LIST, NULL },
	{ "GET", "/api/v1/poles/{id}", api_pole, POLE_VIEWERS, API, A_ORG, "pole" },
	{ "PATCH", "/api/v1/poles/{id}", api_pole_update, PROGRAMME_EDITORS, API | CHANGES, A_STAFF, "pole" },
	{ "GET", "/api/v1/dossiers/{id}/diagnoses", api_dossier_diagnoses, DOSSIER_PEOPLE, API, A_ORG, "dossier" },
	{ "POST", "/api/v1/dossiers/{id}/diagnoses", api_dossier_diagnosis_create, POLE_STAFF, API | CHANGES, A_ORG,
	    "dossier" },
	{ "GET", "/api/v1/diagnoses/{id}", api_diagnosis, DOSSIER_PEOPLE, API, A_ORG, "diagnosis" },
	{ "PATCH", "/api/v1/diagnoses/{id}", api_diagnosis_update, POLE_STAFF, API | CHANGES, A_ORG, "diagnosis" },
	{ "GET", "/api/v1/resources", api_resources, LIBRARY_READERS, API, A_LIST, NULL },
	{ "POST", "/api/v1/resources", api_resource_create, POLE_STAFF, API | CHANGES | ROUTE_UPLOAD, A_ROLE, NULL },
	{ "GET", "/api/v1/resources/{id}", api_resource, LIBRARY_READERS, API, A_ROLE, "resource" },
	{ "GET", "/api/v1/partners", api_partners, LIBRARY_READERS, API, A_LIST, NULL },
	{ "POST", "/api/v1/partners", api_partner_create, POLE_VIEWERS, API | CHANGES, A_ROLE, NULL },
	{ "GET", "/api/v1/partners/suggestions", api_partner_suggest, LIBRARY_READERS, API, A_LIST, NULL },
	{ "GET", "/api/v1/partners/{id}", api_partner, LIBRARY_READERS, API, A_ROLE, "partner" },
	{ "PATCH", "/api/v1/partners/{id}", api_partner_update, POLE_VIEWERS, API | CHANGES, A_STAFF, "partner" },
	/* Training: paths, sessions, registrations, attendance, training organisations, tutors. */
	{ "GET", "/api/v1/contracts/{id}/path", api_contract_path, ANY, API, A_PARTY, "path" },
	{ "POST", "/api/v1/contracts/{id}/path/template", api_contract_path_template, ANY, API | CHANGES, A_STAFF,
	    "path" },
	{ "POST", "/api/v1/contracts/{id}/path/modules", api_path_module_create, ANY, API | CHANGES, A_STAFF, "path" },
	{ "GET", "/api/v1/path-modules/{id}", api_path_module, ANY, API, A_PARTY, "path_module" },
	{ "PATCH", "/api/v1/path-modules/{id}", api_path_module_update, ANY, API | CHANGES, A_STAFF, "path_module" },
	{ "DELETE", "/api/v1/path-modules/{id}", api_path_module_remove, ANY, API | CHANGES, A_STAFF, "path_module" },
	{ "POST", "/api/v1/path-modules/{id}/actions/{token}", api_path_module_act, ANY, API | CHANGES, A_PARTY,
	    "path_module" },
	{ "GET", "/api/v1/training-organisations", api_training_orgs, ANY, API, A_LIST, NULL },
	{ "GET", "/api/v1/training-organisations/{id}", api_training_org, ANY, API, A_ROLE, "training_org" },
	{ "PATCH", "/api/v1/training-organisations/{id}", api_training_org_update, PROGRAMME_EDITORS, API | CHANGES,
	    A_ROLE, "training_org" },
	{ "GET", "/api/v1/sessions", api_sessions, ANY, API, A_LIST, NULL },
	{ "POST", "/api/v1/sessions", api_session_create, SESSION_CREATORS, API | CHANGES, A_ROLE, NULL },
	{ "GET", "/api/v1/sessions/at-risk", api_sessions_at_risk, TRAINING_OVERSIGHT, API, A_LIST, NULL },
	{ "GET", "/api/v1/sessions/{id}", api_session, ANY, API, A_ROLE, "session" },
	{ "PATCH", "/api/v1/sessions/{id}", api_session_update, SESSION_CREATORS, API | CHANGES, A_STAFF, "session" },
	{ "POST", "/api/v1/sessions/{id}/actions/{token}", api_session_act, SESSION_CREATORS, API | CHANGES, A_STAFF,
	    "session" },
	{ "POST", "/api/v1/sessions/{id}/registrations", api_session_register, ANY, API | CHANGES, A_ROLE, "session" },
	{ "GET", "/api/v1/sessions/{id}/attendance", api_session_attendance, SESSION_CREATORS, API, A_STAFF,
	    "session" },
	{ "POST", "/api/v1/sessions/{id}/attendance", api_session_attendance_record, SESSION_CREATORS, API | CHANGES,
	    A_STAFF, "session" },
	{ "POST", "/api/v1/registrations/{id}/actions/{token}", api_registration_act, ANY, API | CHANGES, A_PARTY,
	    "registration" },
	{ "GET", "/api/v1/tutors", api_tutors, TRAINING_OVERSIGHT | ROLE_BIT(ROLE_EMPLOYER), API, A_LIST, "tutor" },
	{ "GET", "/api/v1/tutors/{id}", api_tutor, ANY, API, A_ORG, "tutor" },

	/* Steering: the dashboard and each figure's CSV and XLSX, the annual reports, the open data (public), and their
	 * API. The domain decides whose figures (national reach: all; regional officers and poles: their regions;
	 * employers: their organisation). */
	{ "GET", "/pilotage", web_steering, STEER_ROLES, 0, A_LIST, NULL },
	{ "GET", "/pilotage/bilans", web_steering_reports, REPORT_READERS, 0, A_LIST, NULL },
	{ "POST", "/pilotage/bilans", web_steering_report_new, REPORT_WRITERS, CHANGES | LONG, A_ROLE, NULL },
	{ "GET", "/pilotage/bilans/{id}/pdf", web_steering_report_pdf, REPORT_READERS, 0, A_ORG, "annual_report" },
	{ "GET", "/pilotage/{token}/export.csv", web_steering_csv, STEER_ROLES, 0, A_LIST, "indicator" },
	{ "GET", "/pilotage/{token}/export.xlsx", web_steering_xlsx, STEER_ROLES, 0, A_LIST, "indicator" },
	{ "GET", "/donnees", web_opendata, PUBLIC, 0, A_PUBLIC, NULL },
	{ "GET", "/donnees/{token}", web_opendata_file, PUBLIC, 0, A_PUBLIC, "opendata_file" },
	{ "GET", "/api/v1/steering/indicators", api_steering_indicators, STEER_ROLES, API, A_ROLE, NULL },
	{ "GET", "/api/v1/steering/figures", api_steering_figures, STEER_ROLES, API, A_LIST, NULL },
	{ "GET", "/api/v1/steering/figures/{token}", api_steering_figure, STEER_ROLES, API, A_LIST, "indicator" },
	{ "GET", "/api/v1/steering/reports", api_steering_reports, REPORT_READERS, API, A_LIST, NULL },
	{ "POST", "/api/v1/steering/reports", api_steering_report_create, REPORT_WRITERS, API | CHANGES | LONG, A_ROLE,
	    NULL },
	{ "GET", "/api/v1/steering/reports/{id}/pdf", api_steering_report_pdf, REPORT_READERS, API, A_ORG,
	    "annual_report" },

	/* Subsidies' pages (issue 12): the domain's scope tables decide what each reader sees. */
	{ "GET", "/aides", web_aid_decisions, ANY, 0, A_LIST, NULL },
	{ "GET", "/aides/smic", web_smic, ANY, 0, A_ROLE, NULL },
	{ "GET", "/aides/demandes", web_payreqs, ANY, 0, A_LIST, NULL },
	{ "GET", "/aides/demandes/{id}", web_lifecycle_get, ANY, 0, A_ORG, "payment_request", &web_payreq_page },
	{ "POST", "/aides/demandes/{id}/actions/{token}", web_lifecycle_post, ANY, CHANGES | STEP_UP, A_ORG,
	    "payment_request", &web_payreq_page },
	{ "GET", "/aides/reversements", web_recoveries, ANY, 0, A_LIST, NULL },
	{ "GET", "/aides/reversements/{id}", web_lifecycle_get, ANY, 0, A_ORG, "recovery", &web_recovery_page },
	{ "POST", "/aides/reversements/{id}/actions/{token}", web_lifecycle_post, ANY, CHANGES, A_ORG, "recovery",
	    &web_recovery_page },
	{ "GET", "/aides/conventions", web_conventions, ANY, 0, A_LIST, NULL },
	{ "GET", "/aides/conventions/{id}", web_convention, ANY, 0, A_ORG, "convention" },
	{ "POST", "/aides/conventions/{id}/avenants", web_amendment_create, ANY, CHANGES, A_STAFF, "convention" },
	{ "GET", "/aides/postes/{id}", web_lifecycle_get, ANY, 0, A_ORG, "post", &web_post_page },
	{ "POST", "/aides/postes/{id}/actions/{token}", web_lifecycle_post, ANY, CHANGES, A_ORG, "post",
	    &web_post_page },
	{ "GET", "/aides/avenants/{id}", web_lifecycle_get, ANY, 0, A_ORG, "amendment", &web_amendment_page },
	{ "POST", "/aides/avenants/{id}/actions/{token}", web_lifecycle_post, ANY, CHANGES, A_ORG, "amendment",
	    &web_amendment_page },
	{ "GET", "/aides/coordonnees-bancaires/{id}", web_bank, ANY, 0, A_ORG, "bank" },
	{ "POST", "/aides/coordonnees-bancaires/{id}", web_bank_set, ANY, CHANGES | STEP_UP, A_STAFF, "bank" },
	{ "GET", "/aides/{id}", web_aid_decision, ANY, 0, A_ORG, "aid_decision" },
	{ "POST", "/aides/{id}/demandes", web_payreq_create, ANY, CHANGES, A_STAFF, "aid_decision" },

	/* Subsidies (issue 12): the SMIC table and the aid rules, aid decisions and their schedules, payment requests,
	 * payment orders and their files, the ledger, recoveries, bank details, budget envelopes. */
	{ "GET", "/api/v1/smic", api_smic_list, ANY, API, A_ROLE, NULL },
	{ "POST", "/api/v1/smic", api_smic_save, SUBSIDY_NATIONAL, API | CHANGES | LONG, A_ROLE, NULL },
	{ "GET", "/api/v1/aid-rules", api_aid_rules, ANY, API, A_ROLE, NULL },
	{ "GET", "/api/v1/aid-rules/{id}", api_aid_rule, ANY, API, A_ROLE, "aid_rule" },
	{ "PATCH", "/api/v1/aid-rules/{id}", api_aid_rule_update, SUBSIDY_NATIONAL, API | CHANGES, A_ROLE, "aid_rule" },
	{ "POST", "/api/v1/contracts/{id}/aid", api_aid_decision_create, ANY, API | CHANGES, A_STAFF, "contract" },
	{ "GET", "/api/v1/aid-decisions", api_aid_decisions, ANY, API, A_LIST, NULL },
	{ "GET", "/api/v1/aid-decisions/{id}", api_aid_decision, ANY, API, A_ORG, "aid_decision" },
	{ "PATCH", "/api/v1/aid-decisions/{id}", api_aid_decision_update, ANY, API | CHANGES, A_ORG, "aid_decision" },
	{ "GET", "/api/v1/aid-decisions/{id}/versions/{id}", api_aid_schedule_version, ANY, API, A_ORG,
	    "aid_decision" },
	{ "POST", "/api/v1/aid-decisions/{id}/periods", api_aid_period_add, ANY, API | CHANGES, A_STAFF,
	    "aid_decision" },
	{ "POST", "/api/v1/aid-decisions/{id}/end", api_aid_decision_end, ANY, API | CHANGES, A_STAFF, "aid_decision" },
	{ "POST", "/api/v1/aid-decisions/{id}/commitments-unmet", api_aid_commitments_unmet, ANY, API | CHANGES,
	    A_STAFF, "aid_decision" },
	{ "POST", "/api/v1/aid-decisions/{id}/payment-requests", api_payreq_create, ANY, API | CHANGES, A_STAFF,
	    "aid_decision" },
	{ "GET", "/api/v1/payment-requests", api_payreqs, ANY, API, A_LIST, NULL },
	{ "GET", "/api/v1/payment-requests/{id}", api_payreq, ANY, API, A_ORG, "payment_request" },
	{ "POST", "/api/v1/payment-requests/{id}/actions/{token}", api_payreq_act, ANY, API | CHANGES | STEP_UP, A_ORG,
	    "payment_request" },
	{ "GET", "/api/v1/payment-orders", api_payorders, SUBSIDY_PAYERS, API, A_LIST, NULL },
	{ "POST", "/api/v1/payment-orders", api_payorder_create, SUBSIDY_PAYERS, API | CHANGES | STEP_UP | LONG, A_ROLE,
	    NULL },
	{ "GET", "/api/v1/payment-orders/{id}", api_payorder, ANY, API, A_ORG, "payment_order" },
	{ "GET", "/api/v1/payment-orders/{id}/lines.csv", api_payorder_csv, ANY, API | LONG, A_ORG, "payment_order" },
	{ "GET", "/api/v1/payment-orders/{id}/lines.xlsx", api_payorder_xlsx, ANY, API | LONG, A_ORG, "payment_order" },
	{ "POST", "/api/v1/payment-orders/{id}/paid", api_payorder_paid, ANY, API | CHANGES | STEP_UP | LONG, A_ORG,
	    "payment_order" },
	{ "GET", "/api/v1/ledger", api_ledger, ANY, API, A_LIST, NULL },
	{ "GET", "/api/v1/recoveries", api_recoveries, ANY, API, A_LIST, NULL },
	{ "GET", "/api/v1/recoveries/{id}", api_recovery, ANY, API, A_ORG, "recovery" },
	{ "POST", "/api/v1/recoveries/{id}/actions/{token}", api_recovery_act, ANY, API | CHANGES, A_ORG, "recovery" },
	{ "GET", "/api/v1/organisations/{id}/bank-details", api_bank_get, ANY, API, A_ORG, "bank" },
	{ "PUT", "/api/v1/organisations/{id}/bank-details", api_bank_set, ANY, API | CHANGES | STEP_UP, A_STAFF,
	    "bank" },
	{ "POST", "/api/v1/organisations/{id}/paid-programmes", api_payer_programme_add, SUBSIDY_NATIONAL,
	    API | CHANGES, A_ROLE, "payer_org" },
	{ "GET", "/api/v1/budget-envelopes", api_envelopes, SUBSIDY_BUDGET, API, A_LIST, NULL },
	{ "POST", "/api/v1/conventions", api_convention_create, SUBSIDY_NATIONAL, API | CHANGES, A_ROLE, NULL },
	{ "GET", "/api/v1/conventions", api_conventions, ANY, API, A_LIST, NULL },
	{ "GET", "/api/v1/conventions/{id}", api_convention, ANY, API, A_ORG, "convention" },
	{ "POST", "/api/v1/conventions/{id}/amendments", api_amendment_create, ANY, API | CHANGES, A_STAFF,
	    "convention" },
	{ "POST", "/api/v1/posts/{id}/actions/{token}", api_post_act, ANY, API | CHANGES, A_ORG, "post" },
	{ "POST", "/api/v1/posts/{id}/payment-requests", api_post_payreq_create, ANY, API | CHANGES, A_STAFF, "post" },
	{ "GET", "/api/v1/amendments/{id}", api_amendment, ANY, API, A_ORG, "amendment" },
	{ "POST", "/api/v1/amendments/{id}/actions/{token}", api_amendment_act, ANY, API | CHANGES, A_ORG,
	    "amendment" },
	{ "PUT", "/api/v1/budget-envelopes", api_envelope_set, SUBSIDY_NATIONAL, API | CHANGES, A_ROLE, NULL },

	/* Activity reports (comptes rendus d'activité): the adviser's pages, statistics, vocabularies, reminders,
	 * and the API (one by one, NDJSON batches, CSV, changes with a cursor). */
	{ "GET", "/activite", web_activity_home, ACTIVITY_READERS, 0, A_LIST, NULL },
	{ "GET", "/activite/nouveau", web_activity_new_form, ACTIVITY_READERS, 0, A_ROLE, NULL },
	{ "POST", "/activite/nouveau", web_activity_new, ACTIVITY_READERS, CHANGES, A_ROLE, NULL },
	{ "GET", "/activite/export.csv", web_activity_export_csv, ACTIVITY_READERS, 0, A_LIST, NULL },
	{ "GET", "/activite/statistiques", web_activity_stats, ACTIVITY_READERS, 0, A_LIST, NULL },
	{ "GET", "/activite/relances", web_activity_silent, ACTIVITY_OVERSIGHT, 0, A_LIST, NULL },
	{ "GET", "/activite/vocabulaires", web_activity_vocab, ACTIVITY_READERS, 0, A_ROLE, NULL },
	{ "POST", "/activite/vocabulaires", web_activity_vocab_post, ACTIVITY_VOCAB_EDITORS, CHANGES, A_ROLE, NULL },
	{ "GET", "/activite/{id}/modifier", web_activity_edit_form, ACTIVITY_READERS, 0, A_STAFF, "activity_report" },
	{ "POST", "/activite/{id}/modifier", web_activity_edit, ACTIVITY_READERS, CHANGES, A_STAFF, "activity_report" },
	{ "POST", "/activite/{id}/supprimer", web_activity_delete, ACTIVITY_READERS, CHANGES, A_STAFF,
	    "activity_report" },
	/* The network's news (domain/news/news.c): read by everyone, published by national officers, poles and admins;
	 * the weekly digest is opted into by anyone signed in and left through its link without signing in. */
	{ "GET", "/actualites", web_news, PUBLIC, 0, A_PUBLIC, NULL },
	{ "GET", "/actualites.atom", web_news_feed, PUBLIC, 0, A_PUBLIC, NULL },
	{ "GET", "/actualites/nouvelle", web_news_new_form, NEWS_WRITERS, 0, A_ROLE, NULL },
	{ "POST", "/actualites/nouvelle", web_news_new, NEWS_WRITERS, CHANGES, A_ROLE, NULL },
	{ "POST", "/actualites/lettre", web_news_digest, ANY, CHANGES, A_SELF, NULL },
	{ "GET", "/actualites/desabonnement/{token}", web_news_unsubscribe_form, PUBLIC, 0, A_PUBLIC, "link" },
	{ "POST", "/actualites/desabonnement/{token}", web_news_unsubscribe, PUBLIC, CHANGES, A_PUBLIC, "link" },
	{ "GET", "/actualites/{id}", web_news_item, PUBLIC, 0, A_PUBLIC, "news" },
	{ "GET", "/api/v1/news", api_news, PUBLIC, API, A_PUBLIC, NULL },
	{ "POST", "/api/v1/news", api_news_create, NEWS_WRITERS, API | CHANGES, A_ROLE, NULL },
	{ "GET", "/api/v1/news/{id}", api_news_item, PUBLIC, API, A_PUBLIC, "news" },

	/* Webhooks for integrators (domain/integrations/webhook.c): a subscription is its owner's (admins see every one);
	 * what it receives is what its owner may read. */
	{ "GET", "/webhooks", web_webhooks, WEBHOOK_OWNERS, 0, A_SELF, NULL },
	{ "POST", "/webhooks", web_webhook_create, WEBHOOK_OWNERS, CHANGES, A_SELF, NULL },
	{ "GET", "/webhooks/{id}", web_webhook, WEBHOOK_OWNERS, 0, A_SELF, "webhook" },
	{ "POST", "/webhooks/{id}/pause", web_webhook_pause, WEBHOOK_OWNERS, CHANGES, A_SELF, "webhook" },
	{ "POST", "/webhooks/{id}/reprendre", web_webhook_resume, WEBHOOK_OWNERS, CHANGES, A_SELF, "webhook" },
	{ "POST", "/webhooks/{id}/supprimer", web_webhook_delete, WEBHOOK_OWNERS, CHANGES, A_SELF, "webhook" },
	{ "POST", "/webhooks/{id}/livraisons/{id}/rejouer", web_webhook_replay, WEBHOOK_OWNERS, CHANGES, A_SELF,
	    "webhook" },
	{ "GET", "/api/v1/webhooks/events", api_webhook_events, WEBHOOK_OWNERS, API, A_ROLE, NULL },
	{ "GET", "/api/v1/webhooks", api_webhooks, WEBHOOK_OWNERS, API, A_SELF, NULL },
	{ "POST", "/api/v1/webhooks", api_webhook_create, WEBHOOK_OWNERS, API | CHANGES, A_SELF, NULL },
	{ "GET", "/api/v1/webhooks/{id}", api_webhook, WEBHOOK_OWNERS, API, A_SELF, "webhook" },
	{ "DELETE", "/api/v1/webhooks/{id}", api_webhook_delete, WEBHOOK_OWNERS, API | CHANGES, A_SELF, "webhook" },
	{ "POST", "/api/v1/webhooks/{id}/pause", api_webhook_pause, WEBHOOK_OWNERS, API | CHANGES, A_SELF, "webhook" },
	{ "POST", "/api/v1/webhooks/{id}/resume", api_webhook_resume, WEBHOOK_OWNERS, API | CHANGES, A_SELF,
	    "webhook" },
	{ "POST", "/api/v1/webhooks/{id}/deliveries/{id}/replay", api_webhook_replay, WEBHOOK_OWNERS, API | CHANGES,
	    A_SELF, "webhook" },

	{ "GET", "/api/v1/activity/reports", api_activity_list, ACTIVITY_READERS, API, A_LIST, NULL },
	{ "POST", "/api/v1/activity/reports", api_activity_create, ACTIVITY_READERS, API | CHANGES, A_ROLE, NULL },
	{ "GET", "/api/v1/activity/reports.csv", api_activity_export_csv, ACTIVITY_READERS, API, A_LIST, NULL },
	{ "POST", "/api/v1/activity/reports.csv", api_activity_import_csv, ACTIVITY_READERS, API | CHANGES | ROUTE_RAW,
	    A_ROLE, NULL },
	{ "GET", "/api/v1/activity/reports/{id}", api_activity_get, ACTIVITY_READERS, API, A_ORG, "activity_report" },
	{ "PATCH", "/api/v1/activity/reports/{id}", api_activity_update, ACTIVITY_READERS, API | CHANGES, A_STAFF,
	    "activity_report" },
	{ "DELETE", "/api/v1/activity/reports/{id}", api_activity_delete, ACTIVITY_READERS, API | CHANGES, A_STAFF,
	    "activity_report" },
	{ "POST", "/api/v1/activity/batches", api_activity_batch, ACTIVITY_READERS, API | CHANGES | ROUTE_RAW | LONG,
	    A_ROLE, NULL },
	{ "GET", "/api/v1/activity/changes", api_activity_changes, ACTIVITY_READERS, API, A_LIST, NULL },
	{ "GET", "/api/v1/activity/verify", api_activity_verify, ROLE_BIT(ROLE_ADMIN), API, A_ROLE, NULL },
	{ "GET", "/api/v1/activity/stats", api_activity_stats, ACTIVITY_READERS, API, A_LIST, NULL },
	{ "GET", "/api/v1/activity/silent", api_activity_silent, ACTIVITY_OVERSIGHT, API, A_LIST, NULL },
	{ "GET", "/api/v1/activity/vocabularies", api_activity_vocab, ACTIVITY_READERS, API, A_ROLE, NULL },
	{ "PUT", "/api/v1/activity/vocabularies/{token}/{token}", api_activity_vocab_put, ACTIVITY_VOCAB_EDITORS,
	    API | CHANGES, A_ROLE, "vocab_code" },
	{ "POST", "/api/v1/activity/vocabularies/{token}/{token}/retire", api_activity_vocab_retire,
	    ACTIVITY_VOCAB_EDITORS, API | CHANGES, A_ROLE, "vocab_code" },
	{ "GET", "/api/v1/activity/settings", api_activity_settings, ACTIVITY_READERS, API, A_ROLE, NULL },
	{ "PATCH", "/api/v1/activity/settings", api_activity_settings_put, ACTIVITY_VOCAB_EDITORS, API | CHANGES,
	    A_ROLE, NULL },
	{ "POST", "/api/v1/organisations/{id}/mediators", api_activity_mediator,
	    ROLE_BIT(ROLE_EMPLOYER) | ROLE_BIT(ROLE_ADMIN), API | CHANGES, A_STAFF, "organisation" },

	/* Faults and personal data (issue 17): the journal's published heads, public ("/journal/atom.xml" before
	 * "/journal/{token}", which serves /journal/YYYY-MM-DD.txt). */
	{ "GET", "/journal/atom.xml", web_journal_feed, PUBLIC, 0, A_PUBLIC, NULL },
	{ "GET", "/journal/{token}", web_journal_head, PUBLIC, 0, A_PUBLIC, "journal_head" },

	/* The directory's search and public pages: last, since "/lieux/{token}" also matches literal paths such
	 * as /lieux/import, which must come first. */
	{ "GET", "/lieux", web_places, PUBLIC, 0, A_PUBLIC, NULL },
	{ "GET", "/lieux/{token}", web_place, PUBLIC, 0, A_PUBLIC, "place" },
	{ "GET", "/api/v1/places", api_places, PUBLIC, API, A_PUBLIC, NULL },
	{ "GET", "/api/v1/places/{token}", api_place, PUBLIC, API, A_PUBLIC, "place" },
};
const size_t app_routes_count = sizeof(app_routes) / sizeof(app_routes[0]);
