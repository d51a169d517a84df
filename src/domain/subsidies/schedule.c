/* The schedule engine: hourly aid on the SMIC month by month, lump sums by instalments, and the reconciliation
 * of a recomputed schedule with the lines already paid. Pure: no storage, no clock. */
#include "domain/subsidies/schedule.h"

#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/time.h"

/* Hours a month of one hour a week: 52 weeks / 12 months. */
#define WEEKS_NUM 52
#define WEEKS_DEN 12

int64_t
sched_round(__int128 num, __int128 den)
{
	bool neg = num < 0;
	__int128 n = neg ? -num : num;
	__int128 q = n / den, r = n % den;

	if (2 * r > den || (2 * r == den && (q & 1)))
		q++;
	return (int64_t)(neg ? -q : q);
}

int64_t
sched_month(int64_t d)
{
	int y, m, dd;

	date_civil(d, &y, &m, &dd);
	return (int64_t)y * 12 + m - 1;
}

/* The decimal digits of V, at least WIDTH of them (zeros before), at P; returns the end. The explanations are
 * written for every line of every schedule: by hand rather than through printf, which dominated their cost. */
static char *
put_uint(char *p, uint64_t v, int width)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n < width)
		tmp[n++] = '0';
	while (n)
		*p++ = tmp[--n];
	return p;
}

char *
sched_euros(struct arena *a, int64_t cents)
{
	char digits[24], out[64], *p = out;
	uint64_t u = cents < 0 ? (uint64_t)(-(cents + 1)) + 1 : (uint64_t)cents;
	size_t n = (size_t)(put_uint(digits, u / 100, 1) - digits);

	if (cents < 0)
		*p++ = '-';
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			*p++ = ' ';
		*p++ = digits[i];
	}
	*p++ = ',';
	p = put_uint(p, u % 100, 2);
	memcpy(p, " €", sizeof " €");
	return arena_strdup(a, out);
}

static char *
day_fr(struct arena *a, int64_t d)
{
	int y, m, dd;
	char out[16], *p = out;

	date_civil(d, &y, &m, &dd);
	if (y < 0)
		return arena_printf(a, "%02d/%02d/%04d", dd, m, y);
	p = put_uint(p, (uint64_t)dd, 2);
	*p++ = '/';
	p = put_uint(p, (uint64_t)m, 2);
	*p++ = '/';
	p = put_uint(p, (uint64_t)y, 4);
	*p = '\0';
	return arena_strdup(a, out);
}

/* "75 %" or "47,5 %" of basis points. */
static char *
pct_fr(struct arena *a, int32_t bp)
{
	char out[32], *p = out;

	if (bp < 0)
		return arena_printf(a, "%d,%02d %%", bp / 100, bp % 100);
	p = put_uint(p, (uint64_t)(bp / 100), 1);
	if (bp % 100 != 0) {
		*p++ = ',';
		p = bp % 10 == 0 ? put_uint(p, (uint64_t)((bp % 100) / 10), 1) : put_uint(p, (uint64_t)(bp % 100), 2);
	}
	memcpy(p, " %", sizeof " %");
	return arena_strdup(a, out);
}

/* "151,67 h" of hundredths of an hour. */
static char *
hours_fr(struct arena *a, int64_t centi)
{
	char out[40], *p = out;

	if (centi < 0)
		return arena_printf(a, "%lld,%02lld h", (long long)(centi / 100), (long long)(centi % 100));
	p = put_uint(p, (uint64_t)(centi / 100), 1);
	*p++ = ',';
	p = put_uint(p, (uint64_t)(centi % 100), 2);
	memcpy(p, " h", sizeof " h");
	return arena_strdup(a, out);
}

struct lines {
	struct arena *a;
	struct sched_line *v;
	size_t n, cap;
};

static struct sched_line *
push(struct lines *l)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct sched_line *v = arena_alloc(l->a, cap * sizeof *v);

		if (l->n)
			memcpy(v, l->v, l->n * sizeof *v);
		l->v = v;
		l->cap = cap;
	}
	memset(&l->v[l->n], 0, sizeof l->v[0]);
	return &l->v[l->n++];
}

static void
finish(struct lines *l, struct sched *out)
{
	out->lines = l->v;
	out->n = l->n;
	out->total = 0;
	for (size_t i = 0; i < l->n; i++)
		out->total += l->v[i].amount;
}

/* The SMIC value in force on day D, or NULL. */
static const struct smic_value *
smic_on(const struct sched_hourly *in, int64_t d)
{
	const struct smic_value *best = NULL;

	for (size_t i = 0; i < in->nsmic; i++)
		if (in->smic[i].from <= d && (best == NULL || in->smic[i].from > best->from))
			best = &in->smic[i];
	return best;
}

static const struct sched_period *
period_on(const struct sched_hourly *in, int64_t d)
{
	for (size_t i = 0; i < in->nperiods; i++)
		if (in->periods[i].from <= d && d <= in->periods[i].to)
			return &in->periods[i];
	return NULL;
}

/* The first day after D where something changes (a SMIC value, a period's start or end), capped at LIMIT + 1. */
static int64_t
next_change(const struct sched_hourly *in, int64_t d, int64_t limit)
{
	int64_t next = limit + 1;

	for (size_t i = 0; i < in->nsmic; i++)
		if (in->smic[i].from > d && in->smic[i].from < next)
			next = in->smic[i].from;
	for (size_t i = 0; i < in->nperiods; i++) {
		if (in->periods[i].from > d && in->periods[i].from < next)
			next = in->periods[i].from;
		if (in->periods[i].to + 1 > d && in->periods[i].to + 1 < next)
			next = in->periods[i].to + 1;
	}
	return next;
}

static bool
hourly_valid(struct arena *a, const struct sched_hourly *in, int64_t last, struct field_errors *fe)
{
	size_t before = fe->n;

	if (in->rate_bp < 0 || in->rate_bp > 10000)
		field_errors_add(fe, "rate", "Taux d'aide : il doit être compris entre 0 et 100 %.");
	if (in->weekly_centih < 0)
		field_errors_add(fe, "weekly_hours", "Heures hebdomadaires : elles ne peuvent pas être négatives.");
	if (in->end < in->start)
		field_errors_add(fe, "end_on", "Fin de l'aide : elle précède le début de l'aide.");
	if (in->contract_end && in->end > in->contract_end)
		field_errors_add(fe, "end_on", "Fin de l'aide : l'aide ne peut pas aller au-delà du contrat.");
	if (in->max_months > 0 && in->end >= in->start) {
		int y, m, d;

		date_civil(in->start, &y, &m, &d);
		char *s = arena_printf(a, "%04d-%02d-%02d", y, m, d);
		char *lim = date_add(a, s, in->max_months, -1);
		int ly, lm, ld;

		if (lim && date_parse(lim, strlen(lim), &ly, &lm, &ld) && in->end > date_days(ly, lm, ld))
			field_errors_add(fe, "end_on",
			    arena_printf(a, "Fin de l'aide : l'aide dure au plus %d mois, renouvellements compris.",
			        in->max_months));
	}
	if (in->ended_on && (in->ended_on < in->start - 1 || in->ended_on > in->end))
		field_errors_add(fe, "ended_on", "Date de fin anticipée : elle est hors de la période d'aide.");
	for (size_t i = 0; i < in->nperiods; i++) {
		const struct sched_period *p = &in->periods[i];

		if (p->to < p->from || p->from < in->start || p->to > last)
			field_errors_add(fe, "period",
			    arena_printf(a,
			        "Période du %s au %s : elle est hors de la période d'aide du contrat (du %s au %s).",
			        day_fr(a, p->from), day_fr(a, p->to), day_fr(a, in->start), day_fr(a, last)));
		else if (p->paid_bp < 0 || p->paid_bp > 10000)
			field_errors_add(fe, "paid_share", "Part de la rémunération maintenue : entre 0 et 100 %.");
		else if (p->weekly_centih < 0)
			field_errors_add(
			    fe, "weekly_hours", "Heures hebdomadaires : elles ne peuvent pas être négatives.");
		for (size_t j = 0; j < i; j++)
			if (p->from <= in->periods[j].to && in->periods[j].from <= p->to)
				field_errors_add(fe, "period", "Périodes : deux périodes se chevauchent.");
	}
	if (fe->n == before && in->end >= in->start && smic_on(in, in->start) == NULL)
		field_errors_add(fe, "smic",
		    arena_printf(
		        a, "SMIC : aucune valeur n'est connue pour ce territoire au %s.", day_fr(a, in->start)));
	return fe->n == before;
}

static const char *
hourly_text(struct arena *a, const struct sched_hourly *in, const struct smic_value *sv, int32_t weekly,
    int32_t paid_bp, int64_t seg_days, int month_days, int64_t hours, int64_t amount)
{
	const char *share =
	    paid_bp < 10000 ? arena_printf(a, " × %s de la rémunération maintenue", pct_fr(a, paid_bp)) : "";
	const char *cap = in->cap_weekly_centih && in->weekly_centih > in->cap_weekly_centih
	                      ? arena_printf(a, " (plafonnées à %s par semaine)", hours_fr(a, in->cap_weekly_centih))
	                      : "";

	return arena_printf(a,
	    "%s × SMIC horaire brut %s (en vigueur depuis le %s) × %s payées (%s par semaine%s × 52/12 × %lld/%d jours "
	    "du mois)%s = %s, arrondi une fois au centime (au pair le plus proche).",
	    pct_fr(a, in->rate_bp), sched_euros(a, sv->cents), day_fr(a, sv->from), hours_fr(a, hours),
	    hours_fr(a, weekly), cap, (long long)seg_days, month_days, share, sched_euros(a, amount));
}

tr_err
sched_hourly(struct arena *a, const struct sched_hourly *in, struct field_errors *fe, struct sched *out)
{
	struct lines l = { .a = a };
	int64_t last = in->end;
	bool clawback = false;
	const char *why = NULL;

	memset(out, 0, sizeof *out);
	if (in->contract_end && in->contract_end < last)
		last = in->contract_end;
	if (!hourly_valid(a, in, last, fe))
		return TR_INVALID;
	if (in->ended_on) {
		last = in->ended_on < last ? in->ended_on : last;
		if (!in->end_exempt) {
			clawback = true;
			why = arena_printf(a,
			    "rupture anticipée le %s pour un motif non exonéré : toute l'aide est reversée",
			    day_fr(a, in->ended_on));
		}
	}
	if (in->commitments_unmet_on) {
		clawback = true;
		why = arena_printf(a,
		    "engagements de formation non tenus à l'anniversaire du %s : toute l'aide est reversée",
		    day_fr(a, in->commitments_unmet_on));
	}
	for (int64_t d = in->start; d <= last;) {
		int y, m, dd;

		date_civil(d, &y, &m, &dd);
		int mdays = date_month_days(y, m);
		int64_t month_end = date_days(y, m, mdays);
		int64_t seg_end = month_end < last ? month_end : last;
		int64_t stop = next_change(in, d, seg_end) - 1;
		const struct smic_value *sv = smic_on(in, d);
		const struct sched_period *p = period_on(in, d);
		int32_t paid_bp = p ? p->paid_bp : 10000;
		int32_t weekly = p && p->weekly_centih ? p->weekly_centih : in->weekly_centih;
		int64_t days = stop - d + 1;
		struct sched_line *ln;

		if (sv == NULL) {
			field_errors_add(fe, "smic",
			    arena_printf(
			        a, "SMIC : aucune valeur n'est connue pour ce territoire au %s.", day_fr(a, d)));
			return TR_INVALID;
		}
		if (in->cap_weekly_centih && weekly > in->cap_weekly_centih)
			weekly = in->cap_weekly_centih;
		ln = push(&l);
		ln->kind = SCHED_AID;
		ln->from = d;
		ln->to = stop;
		ln->rate_bp = in->rate_bp;
		ln->smic_cents = sv->cents;
		ln->hours_centi =
		    sched_round((__int128)weekly * WEEKS_NUM * days * paid_bp, (__int128)WEEKS_DEN * mdays * 10000);
		if (paid_bp == 0) {
			ln->amount = 0;
			ln->explain = arena_printf(
			    a, "Suspension sans rémunération du %s au %s : pas d'aide.", day_fr(a, d), day_fr(a, stop));
		} else {
			/* rate_bp/1e4 × smic cents × weekly/100 h × 52/12 × days/mdays × paid_bp/1e4 */
			ln->amount =
			    sched_round((__int128)in->rate_bp * sv->cents * weekly * WEEKS_NUM * days * paid_bp,
			        (__int128)10000 * 100 * WEEKS_DEN * mdays * 10000);
			ln->explain = hourly_text(a, in, sv, weekly, paid_bp, days, mdays, ln->hours_centi, ln->amount);
		}
		if (clawback) {
			ln->amount = 0;
			ln->explain = arena_printf(a, "Aide non due (%s). Calcul initial : %s", why, ln->explain);
		}
		d = stop + 1;
	}
	finish(&l, out);
	return TR_OK;
}

tr_err
sched_lump(struct arena *a, const struct sched_lump *in, struct field_errors *fe, struct sched *out)
{
	struct lines l = { .a = a };
	int y, m, d;
	int64_t sum = 0, last_due = in->start;

	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < in->ninst; i++)
		if (in->inst[i].amount < 0 || in->inst[i].due_months < 0)
			field_errors_add(fe, "amount", "Versements : un montant ou un délai est négatif.");
	if (in->bonus < 0)
		field_errors_add(fe, "bonus", "Bonification : elle ne peut pas être négative.");
	if (in->returned_on && in->returned_on < in->start)
		field_errors_add(fe, "returned_on", "Date de restitution du poste : elle précède le début du poste.");
	if (in->duration_months <= 0)
		field_errors_add(fe, "duration_months", "Durée : elle doit être d'au moins un mois.");
	if (fe->n)
		return TR_INVALID;
	date_civil(in->start, &y, &m, &d);
	const char *start = arena_printf(a, "%04d-%02d-%02d", y, m, d);
	for (size_t i = 0; i < in->ninst; i++) {
		const char *due = date_add(a, start, in->inst[i].due_months, 0);
		int dy, dm, dd;

		date_parse(due, strlen(due), &dy, &dm, &dd);
		int64_t day = date_days(dy, dm, dd);

		if (in->returned_on && day > in->returned_on)
			continue;
		struct sched_line *ln = push(&l);
		ln->kind = SCHED_INSTALMENT;
		ln->from = ln->to = day;
		ln->seq = in->inst[i].seq;
		ln->condition = in->inst[i].condition;
		ln->amount = in->inst[i].amount;
		ln->explain = arena_printf(a, "Versement n° %d : %s, dû %d mois après le début du poste (le %s).",
		    ln->seq, sched_euros(a, ln->amount), in->inst[i].due_months, day_fr(a, day));
		sum += ln->amount;
		if (day > last_due)
			last_due = day;
	}
	if (in->bonus && !in->returned_on) {
		int64_t bonus = in->bonus;

		if (in->cap && sum + bonus > in->cap)
			bonus = in->cap - sum > 0 ? in->cap - sum : 0;
		struct sched_line *ln = push(&l);
		ln->kind = SCHED_BONUS;
		ln->from = ln->to = last_due;
		ln->amount = bonus;
		ln->explain =
		    bonus < in->bonus
		        ? arena_printf(a,
		              "Bonification (quartier prioritaire ou zone de revitalisation rurale) de %s, ramenée à "
		              "%s "
		              "pour ne pas dépasser le plafond de %s par poste.",
		              sched_euros(a, in->bonus), sched_euros(a, bonus), sched_euros(a, in->cap))
		        : arena_printf(a,
		              "Bonification (quartier prioritaire ou zone de revitalisation rurale) : %s, versée avec "
		              "le dernier versement.",
		              sched_euros(a, bonus));
		sum += bonus;
	}
	if (in->returned_on) {
		int64_t total = 0;
		const char *endd = date_add(a, start, in->duration_months, -1);
		int ey, em, ed;

		for (size_t i = 0; i < in->ninst; i++)
			total += in->inst[i].amount;
		date_parse(endd, strlen(endd), &ey, &em, &ed);
		int64_t days_total = date_days(ey, em, ed) - in->start + 1;
		int64_t days_held = in->returned_on - in->start;
		if (days_held > days_total)
			days_held = days_total;
		int64_t justified = sched_round((__int128)total * days_held, days_total);

		if (justified != sum) {
			struct sched_line *ln = push(&l);
			ln->kind = SCHED_ADJUSTMENT;
			ln->from = ln->to = in->returned_on;
			ln->amount = justified - sum;
			ln->explain = arena_printf(a,
			    "Poste rendu le %s : montant justifié %s × %lld/%lld jours = %s ; versements échus %s ; %s "
			    "%s.",
			    day_fr(a, in->returned_on), sched_euros(a, total), (long long)days_held,
			    (long long)days_total, sched_euros(a, justified), sched_euros(a, sum),
			    justified < sum ? "trop-perçu à reverser" : "solde dû",
			    sched_euros(a, justified < sum ? sum - justified : justified - sum));
		}
	}
	finish(&l, out);
	return TR_OK;
}

void
sched_reconcile(
    struct arena *a, const struct sched *fresh, const struct sched_line *paid, size_t npaid, struct sched *out)
{
	struct lines l = { .a = a };

	/* Months in the order they first appear: the fresh lines', then the paid ones' no longer computed. */
	for (size_t i = 0; i < fresh->n; i++) {
		int64_t mk = sched_month(fresh->lines[i].from);
		bool seen = false, has_paid = false;
		int64_t fsum = 0, psum = 0;

		for (size_t j = 0; j < i && !seen; j++)
			seen = sched_month(fresh->lines[j].from) == mk;
		if (seen)
			continue;
		for (size_t j = 0; j < npaid; j++)
			if (sched_month(paid[j].from) == mk) {
				has_paid = true;
				psum += paid[j].amount;
			}
		if (!has_paid) {
			for (size_t j = i; j < fresh->n; j++)
				if (sched_month(fresh->lines[j].from) == mk)
					*push(&l) = fresh->lines[j];
			continue;
		}
		for (size_t j = i; j < fresh->n; j++)
			if (sched_month(fresh->lines[j].from) == mk)
				fsum += fresh->lines[j].amount;
		if (fsum != psum) {
			struct sched_line *ln = push(&l);
			int y = (int)(mk / 12), m = (int)(mk % 12) + 1;

			ln->kind = SCHED_ADJUSTMENT;
			ln->from = fresh->lines[i].from;
			ln->to = fresh->lines[i].to;
			for (size_t j = i; j < fresh->n; j++)
				if (sched_month(fresh->lines[j].from) == mk)
					ln->to = fresh->lines[j].to;
			ln->amount = fsum - psum;
			ln->explain =
			    arena_printf(a, "Régularisation de %02d/%04d : recalculé %s, déjà versé %s, %s %s.", m, y,
			        sched_euros(a, fsum), sched_euros(a, psum), fsum < psum ? "à reverser" : "reste dû",
			        sched_euros(a, fsum < psum ? psum - fsum : fsum - psum));
		}
	}
	for (size_t j = 0; j < npaid; j++) {
		int64_t mk = sched_month(paid[j].from);
		bool in_fresh = false, seen = false;
		int64_t psum = 0;

		for (size_t i = 0; i < fresh->n && !in_fresh; i++)
			in_fresh = sched_month(fresh->lines[i].from) == mk;
		for (size_t k = 0; k < j && !seen; k++)
			seen = sched_month(paid[k].from) == mk;
		if (in_fresh || seen)
			continue;
		for (size_t k = j; k < npaid; k++)
			if (sched_month(paid[k].from) == mk)
				psum += paid[k].amount;
		if (psum == 0)
			continue;
		struct sched_line *ln = push(&l);
		int y = (int)(mk / 12), m = (int)(mk % 12) + 1;

		ln->kind = SCHED_ADJUSTMENT;
		ln->from = paid[j].from;
		ln->to = paid[j].to;
		ln->amount = -psum;
		ln->explain = arena_printf(a,
		    "Régularisation de %02d/%04d : cette période n'ouvre plus droit à l'aide, déjà "
		    "versé %s à reverser.",
		    m, y, sched_euros(a, psum));
	}
	finish(&l, out);
}
