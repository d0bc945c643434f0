/*
 * search-gen: fills a store with synthetic help-desk mail for
 * tests/bench/search.sh, through the store's own ops (ticket_create,
 * message_add), so the schema, the full-text index and the insert path
 * are the real ones; then indexes it with the op the daemon's indexer
 * runs (search_index), GEN_BATCH messages a transaction.
 *
 *	search-gen database count
 *
 * count messages, four to a ticket, a minute apart up to a fixed day: 60% English, 25% Thai, 15% Japanese, each a few hundred octets
 * of sentences drawn from the lists below with a skewed choice, so some
 * words are in a third of the mail and some in one message (an invoice
 * number INV-nnnnnn each). The same arguments give the same database.
 * Prints "messages=N secs=S rate=R index_secs=I" when done.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "mime.h"
#include "store.h"

#define GEN_BATCH	10000		/* messages a transaction */
#define GEN_END		1795000000	/* 2026-11-18 */
#define GEN_STEP	60		/* seconds between messages */

static const char *const en[] = {
	"Please help, the printer on the second floor is broken again.",
	"I cannot log in to the customer portal since this morning.",
	"Could you send me a copy of the invoice for last month?",
	"The delivery arrived late and the box was damaged.",
	"Thank you for your quick answer, it works now.",
	"My password reset link has expired, please send a new one.",
	"We were charged twice for the same order.",
	"The VPN disconnects every few minutes when I work from home.",
	"Please cancel my subscription at the end of the billing period.",
	"Is there an update on this ticket? It has been three days.",
	"The projector in meeting room B shows no picture.",
	"Our warehouse scanner does not read the new barcodes.",
	"I would like to change the delivery address of my order.",
	"The attachment you sent cannot be opened on my phone.",
	"Can you confirm the refund has been processed?",
	"Outlook keeps asking for my password after the update.",
	"Please add Khun Somchai to the distribution list.",
	"The coffee machine in the kitchen is leaking water.",
	"We need a quotation for fifty laptops before Friday.",
	"The website shows an error 502 when I try to pay.",
};

static const char *const th[] = {
	"สวัสดีครับ",
	"เครื่องพิมพ์ที่สำนักงานใช้งานไม่ได้",
	"รบกวนช่วยตรวจสอบให้ด้วยค่ะ",
	"ขอใบกำกับภาษีสำหรับเดือนที่แล้ว",
	"สินค้ามาถึงช้ากว่ากำหนดสามวัน",
	"ไม่สามารถเข้าสู่ระบบได้ตั้งแต่เมื่อวาน",
	"ขอบคุณมากครับ",
	"อินเทอร์เน็ตที่สาขาเชียงใหม่ช้ามาก",
	"ต้องการเปลี่ยนที่อยู่จัดส่งสินค้า",
	"โดนตัดเงินซ้ำสองครั้งจากบัตรเครดิต",
	"กรุณาติดต่อกลับด่วนค่ะ",
	"โปรเจกเตอร์ในห้องประชุมเปิดไม่ติด",
	"รหัสผ่านหมดอายุแล้วครับ",
	"ขอใบเสนอราคาคอมพิวเตอร์จำนวนห้าสิบเครื่อง",
	"แอปพลิเคชันบนมือถือค้างบ่อย",
	"ขอคืนเงินสำหรับคำสั่งซื้อที่ยกเลิก",
};

static const char *const ja[] = {
	"お世話になっております。",
	"東京本社の会議室のプロジェクターが故障しました。",
	"請求書の再発行をお願いできますでしょうか。",
	"商品が予定より三日遅れて届きました。",
	"昨日からログインできません。",
	"至急ご対応をお願いいたします。",
	"パスワードの再設定メールが届きません。",
	"大阪支店のネットワークが非常に遅いです。",
	"同じ注文で二重に請求されています。",
	"配送先の住所を変更したいです。",
	"ご回答ありがとうございました。",
	"見積書をいただけますか。",
	"スマートフォンのアプリが頻繁に停止します。",
	"よろしくお願いいたします。",
};

static const char *const subjects[] = {
	"Printer problem", "Login issue", "Invoice request", "Late delivery",
	"Refund", "VPN", "Order change", "Quotation", "Payment error",
	"เครื่องพิมพ์เสีย", "ขอใบกำกับภาษี", "สินค้าล่าช้า",
	"会議室の件", "請求書について", "ログインできません",
};

/* A skewed pick: the first entries far more often than the last. */
static guint
gen_pick(GRand *r, guint n)
{
	double	 x = g_rand_double(r);

	return (guint)(x * x * n);
}

static void
gen_body(GRand *r, GString *b, guint i)
{
	guint	 lang = i % 20;
	const char *const *list = lang < 12 ? en : lang < 17 ? th : ja;
	guint	 n = lang < 12 ? G_N_ELEMENTS(en) : lang < 17 ?
		    G_N_ELEMENTS(th) : G_N_ELEMENTS(ja);
	const char *sep = lang < 12 ? " " : "";

	g_string_truncate(b, 0);
	while (b->len < (gsize)(200 + g_rand_int_range(r, 0, 300))) {
		g_string_append(b, list[gen_pick(r, n)]);
		g_string_append(b, g_rand_int_range(r, 0, 4) == 0 ? "\n" : sep);
	}
	g_string_append_printf(b, "\nRef: INV-%06u\n", i);
}

static void
gen_mail(struct mail *m, GString *raw, const char *subject, const char *from,
    const char *body, guint i)
{
	char	*msgid = g_strdup_printf("gen%u@example.org", i);

	g_string_printf(raw, "From: %s\r\nTo: support@example.com\r\n"
	    "Subject: %s\r\nMessage-ID: <%s>\r\n\r\n%s", from, subject, msgid,
	    body);
	m->raw = g_bytes_new(raw->str, raw->len);
	m->parsed = 1;
	m->message_id = msgid;
	m->subject = (char *)subject;
	m->from_name = "";
	m->from_addr = (char *)from;
	m->to = "support@example.com";
	m->cc = "";
	m->body = (char *)body;
}

static int
gen_one(struct store *st, GRand *r, guint i, guint n, gint64 *ticket,
    GString *body, GString *raw, char **cause)
{
	struct mail		 m = { 0 };
	struct store_ticket	 t = { 0 };
	struct store_message_in	 in = { 0 };
	char			*from, *key;
	const char		*subject = subjects[(i / 4) % G_N_ELEMENTS(subjects)];
	gint64			 at = GEN_END - (gint64)(n - i) * GEN_STEP, id;
	int			 rc;

	from = g_strdup_printf("c%u@%s", (i / 4) % 50000, (i / 4) % 3 == 0 ?
	    "example.co.th" : "example.org");
	if (i % 4 == 0) {
		t.subject = (char *)subject;
		t.requester_name = "";
		t.requester_addr = from;
		t.status = "open";
		t.queue = (i / 4) % 3 == 2 ? "billing" : "support";
		t.priority = "normal";
		t.created_at = at;
		if (st->ops->ticket_create(st, &t, cause) != 0) {
			g_free(from);
			return -1;
		}
		*ticket = t.id;
	}
	gen_body(r, body, i);
	gen_mail(&m, raw, subject, from, body->str, i);
	m.references = g_ptr_array_new();
	m.attachments = g_ptr_array_new();
	key = g_strdup_printf("gen%u", i);
	in.ticket_id = *ticket;
	in.direction = "in";
	in.source = "lmtp";
	in.return_path = from;
	in.dedupe_key = key;
	in.received_at = at;
	in.mail = &m;
	rc = st->ops->message_add(st, &in, &id, cause);
	g_ptr_array_unref(m.references);
	g_ptr_array_unref(m.attachments);
	g_bytes_unref(m.raw);
	g_free(m.message_id);
	g_free(key);
	g_free(from);
	return rc;
}

/* Index everything, as the daemon would after a migration. */
static int
gen_index(struct store *st, char **cause)
{
	guint	 n;

	do {
		if (st->ops->begin(st, cause) != 0 ||
		    st->ops->search_index(st, GEN_BATCH, 0, &n, cause) != 0 ||
		    st->ops->commit(st, cause) != 0)
			return -1;
	} while (n > 0);
	return 0;
}

int
main(int argc, char **argv)
{
	struct store	*st;
	GRand		*r;
	GString		*body = g_string_new(NULL), *raw = g_string_new(NULL);
	char		*cause = NULL;
	guint		 n;
	gint64		 ticket = 0, t0 = g_get_monotonic_time();
	double		 secs;

	if (argc != 3) {
		fprintf(stderr, "usage: search-gen database count\n");
		return 2;
	}
	n = strtoul(argv[2], NULL, 10);
	if ((st = store_open(argv[1], &cause)) == NULL) {
		fprintf(stderr, "search-gen: %s\n", cause);
		return 1;
	}
	r = g_rand_new_with_seed(11);
	for (guint i = 0; i < n; i++) {
		if ((i % GEN_BATCH == 0 && st->ops->begin(st, &cause) != 0) ||
		    gen_one(st, r, i, n, &ticket, body, raw, &cause) != 0 ||
		    ((i % GEN_BATCH == GEN_BATCH - 1 || i == n - 1) &&
		    st->ops->commit(st, &cause) != 0)) {
			fprintf(stderr, "search-gen: message %u: %s\n", i, cause);
			return 1;
		}
	}
	secs = (g_get_monotonic_time() - t0) / 1e6;
	t0 = g_get_monotonic_time();
	if (gen_index(st, &cause) != 0) {
		fprintf(stderr, "search-gen: index: %s\n", cause);
		return 1;
	}
	printf("messages=%u secs=%.1f rate=%.0f index_secs=%.1f\n", n, secs,
	    n / secs, (g_get_monotonic_time() - t0) / 1e6);
	store_close(st);
	g_rand_free(r);
	g_string_free(body, TRUE);
	g_string_free(raw, TRUE);
	return 0;
}
