/* The syzlang parser: text to syntax trees (ast.h), line-oriented. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ast.h"
#include "util/buf.h"

enum tok {
	T_EOF,
	T_NL,
	T_IDENT,
	T_INT,
	T_CHAR,
	T_STRING,
	T_HEXSTR,
	T_PUNCT, /* ( ) [ ] { } , : = < > and expression operators */
	T_BAD,
};

struct parser {
	struct arena *a;
	struct arena *strs;
	const char *name;
	const char *s, *end;
	const char *p; /* scan position */
	int line;
	const char *line_start;
	/* current token */
	enum tok tok;
	const char *tbeg;
	size_t tlen;
	struct ast_pos tpos;
	char punct[3];
	uint64_t tval;
	ast_err_fn err;
	void *ctx;
	int n_err;
	int depth;
	bool in_body; /* inside a struct/union body */
};

static void perr(struct parser *p, const struct ast_pos *pos, const char *fmt,
		 ...) __attribute__((format(printf, 3, 4)));

static void perr(struct parser *p, const struct ast_pos *pos, const char *fmt,
		 ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->n_err++;
	p->err(p->ctx, pos, false, msg);
}

static bool is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_ident_char(char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

static const char *tok_desc(struct parser *p, char *buf, size_t len)
{
	switch (p->tok) {
	case T_EOF:
		return "end of file";
	case T_NL:
		return "end of line";
	case T_STRING:
	case T_HEXSTR:
		return "string";
	case T_INT:
	case T_CHAR:
		snprintf(buf, len, "'%.*s'", (int)(p->tlen > 40 ? 40 : p->tlen),
			 p->tbeg);
		return buf;
	default:
		snprintf(buf, len, "'%.*s'", (int)(p->tlen > 40 ? 40 : p->tlen),
			 p->tbeg);
		return buf;
	}
}

/* Scan the next token. */
static void next(struct parser *p)
{
	const char *q = p->p;

again:
	while (q < p->end && (*q == ' ' || *q == '\t' || *q == '\r'))
		q++;
	if (q < p->end && *q == '#') {
		while (q < p->end && *q != '\n')
			q++;
	}
	p->tbeg = q;
	p->tpos.file = p->name;
	p->tpos.line = p->line;
	p->tpos.col = (int)(q - p->line_start) + 1;
	if (q >= p->end) {
		p->tok = T_EOF;
		p->tlen = 0;
		p->p = q;
		return;
	}
	char c = *q;
	if (c == '\n') {
		q++;
		p->tok = T_NL;
		p->tlen = 1;
		p->line++;
		p->line_start = q;
		p->p = q;
		return;
	}
	if (c == '\0') {
		perr(p, &p->tpos, "unexpected NUL byte");
		q++;
		goto again;
	}
	if (is_ident_start(c)) {
		while (q < p->end && is_ident_char(*q))
			q++;
		p->tok = T_IDENT;
	} else if ((c >= '0' && c <= '9') ||
		   (c == '-' && q + 1 < p->end && q[1] >= '0' && q[1] <= '9')) {
		bool neg = c == '-';
		uint64_t v = 0;
		bool overflow = false;

		if (neg)
			q++;
		if (q + 1 < p->end && q[0] == '0' &&
		    (q[1] == 'x' || q[1] == 'X')) {
			q += 2;
			const char *d = q;
			for (; q < p->end; q++) {
				int x;
				if (*q >= '0' && *q <= '9')
					x = *q - '0';
				else if (*q >= 'a' && *q <= 'f')
					x = *q - 'a' + 10;
				else if (*q >= 'A' && *q <= 'F')
					x = *q - 'A' + 10;
				else
					break;
				if (v >> 60)
					overflow = true;
				v = v * 16 + (uint64_t)x;
			}
			if (q == d)
				overflow = true;
		} else {
			for (; q < p->end && *q >= '0' && *q <= '9'; q++) {
				uint64_t nv = v * 10 + (uint64_t)(*q - '0');
				if (v > UINT64_MAX / 10 || nv < v * 10)
					overflow = true;
				v = nv;
			}
		}
		p->tok = T_INT;
		if (overflow || (q < p->end && is_ident_char(*q))) {
			while (q < p->end && is_ident_char(*q))
				q++;
			p->tok = T_BAD;
		}
		p->tval = neg ? (uint64_t)0 - v : v;
	} else if (c == '\'') {
		if (q + 2 < p->end && q[1] != '\n' && q[2] == '\'') {
			p->tval = (unsigned char)q[1];
			q += 3;
			p->tok = T_CHAR;
		} else {
			q++;
			p->tok = T_BAD;
		}
	} else if (c == '"' || c == '`') {
		char quote = c;
		q++;
		while (q < p->end && *q != quote && *q != '\n')
			q++;
		if (q >= p->end || *q != quote) {
			p->tok = T_BAD;
			p->tlen = (size_t)(q - p->tbeg);
			p->p = q;
			perr(p, &p->tpos, "unterminated string literal");
			p->tok = T_BAD;
			return;
		}
		/* as in syzkaller: no escapes, only printable ASCII */
		for (const char *s = p->tbeg + 1; s < q; s++) {
			unsigned char ch = (unsigned char)*s;
			if (ch >= 0x20 && ch < 0x80)
				continue;
			struct ast_pos bad = p->tpos;
			bad.col += (int)(s - p->tbeg);
			perr(p, &bad,
			     "illegal character U+%04X in string literal "
			     "(strings take printable ASCII only, no escapes; "
			     "use a `hex` string for other bytes)",
			     ch);
			break;
		}
		q++;
		p->tok = quote == '"' ? T_STRING : T_HEXSTR;
	} else if (strchr("()[]{},:=<>&|!+-*/", c)) {
		p->tok = T_PUNCT;
		p->punct[0] = c;
		p->punct[1] = 0;
		q++;
		if ((c == '=' || c == '!') && q < p->end && *q == '=') {
			p->punct[1] = '=';
			p->punct[2] = 0;
			q++;
		} else if (c == '|' && q < p->end && *q == '|') {
			p->punct[1] = '|';
			p->punct[2] = 0;
			q++;
		}
	} else {
		q++;
		p->tok = T_BAD;
	}
	p->tlen = (size_t)(q - p->tbeg);
	p->p = q;
}

static bool is_punct(struct parser *p, const char *s)
{
	return p->tok == T_PUNCT && !strcmp(p->punct, s);
}

static char *tok_str(struct parser *p)
{
	return arena_strndup(p->strs, p->tbeg, p->tlen);
}

/* Error "expected X, got Y" at the current token. */
static void expected(struct parser *p, const char *what)
{
	char b[64];

	perr(p, &p->tpos, "expected %s, got %s", what,
	     tok_desc(p, b, sizeof(b)));
}

static bool expect_punct(struct parser *p, const char *s)
{
	char what[8];

	if (is_punct(p, s)) {
		next(p);
		return true;
	}
	snprintf(what, sizeof(what), "'%s'", s);
	expected(p, what);
	return false;
}

/* Skip to the end of the line (error recovery). */
static void skip_line(struct parser *p)
{
	while (p->tok != T_NL && p->tok != T_EOF)
		next(p);
}

/*
 * Append @item to the arena-allocated array @arr (@n used of @cap),
 * doubling it when full; on ENOMEM the enclosing function returns @fail.
 */
#define PUSH_OR(arr, n, item, cap, fail)                                     \
	do {                                                                 \
		if ((n) == (cap)) {                                          \
			size_t nc_ = (cap) ? (cap)*2 : 4;                    \
			void *nv_ = arena_alloc(p->a, nc_ * sizeof(*(arr))); \
			if (!nv_)                                            \
				return (fail);                               \
			if (n)                                               \
				memcpy(nv_, (arr), (n) * sizeof(*(arr)));    \
			(arr) = nv_;                                         \
			(cap) = nc_;                                         \
		}                                                            \
		(arr)[(n)++] = (item);                                       \
	} while (0)
#define PUSH(arr, n, item, cap) PUSH_OR(arr, n, item, cap, NULL)
#define PUSHB(arr, n, item, cap) PUSH_OR(arr, n, item, cap, false)

static struct ast_expr *parse_expr(struct parser *p);

static struct ast_type *parse_primary(struct parser *p, bool allow_args);

/* "[arg, arg...]" after a type name; also "if[expr]". */
static bool parse_args(struct parser *p, struct ast_type *t)
{
	size_t cap = 0;

	if (++p->depth > 64) {
		perr(p, &t->pos, "type nesting is too deep");
		return false;
	}
	next(p);
	if (!strcmp(t->ident, "if")) {
		t->expr = parse_expr(p);
		if (!t->expr)
			return false;
	} else {
		for (;;) {
			struct ast_type *a = NULL;

			if (p->tok == T_IDENT || p->tok == T_INT ||
			    p->tok == T_CHAR || p->tok == T_STRING ||
			    p->tok == T_HEXSTR) {
				a = parse_primary(p, true);
				if (!a)
					return false;
				size_t ccap = 0;
				while (is_punct(p, ":")) {
					next(p);
					struct ast_type *c =
						parse_primary(p, false);
					if (!c)
						return false;
					PUSHB(a->colon, a->n_colon, c, ccap);
				}
				if (a->n_colon && !a->n_args &&
				    a->kind == AT_IDENT && is_punct(p, "[")) {
					if (!parse_args(p, a))
						return false;
				}
			} else {
				expected(p, "type argument");
				return false;
			}
			PUSHB(t->args, t->n_args, a, cap);
			if (is_punct(p, ","))
				next(p);
			else
				break;
		}
	}
	p->depth--;
	return expect_punct(p, "]");
}

static struct ast_type *parse_primary(struct parser *p, bool allow_args)
{
	struct ast_type *t = arena_alloc(p->a, sizeof(*t));

	if (!t)
		return NULL;
	t->pos = p->tpos;
	switch (p->tok) {
	case T_IDENT:
		t->kind = AT_IDENT;
		t->ident = tok_str(p);
		break;
	case T_INT:
	case T_CHAR:
		t->kind = AT_INT;
		t->value = p->tval;
		t->is_char = p->tok == T_CHAR;
		t->is_hex = p->tlen > 2 &&
			    (p->tbeg[1] == 'x' || p->tbeg[2] == 'x');
		t->ident = tok_str(p);
		break;
	case T_STRING:
		t->kind = AT_STRING;
		t->str = arena_strndup(p->strs, p->tbeg + 1, p->tlen - 2);
		t->str_len = p->tlen - 2;
		break;
	case T_HEXSTR: {
		size_t n = p->tlen - 2;
		const char *h = p->tbeg + 1;
		char *s;

		if (n % 2) {
			perr(p, &p->tpos, "odd number of digits in hex string");
			return NULL;
		}
		s = arena_alloc(p->strs, n / 2 + 1);
		if (!s)
			return NULL;
		for (size_t i = 0; i < n; i += 2) {
			unsigned v = 0;
			for (int k = 0; k < 2; k++) {
				char c = h[i + k];
				v <<= 4;
				if (c >= '0' && c <= '9')
					v |= (unsigned)(c - '0');
				else if (c >= 'a' && c <= 'f')
					v |= (unsigned)(c - 'a' + 10);
				else if (c >= 'A' && c <= 'F')
					v |= (unsigned)(c - 'A' + 10);
				else {
					perr(p, &p->tpos,
					     "bad hex digit '%c' in hex string",
					     c);
					return NULL;
				}
			}
			s[i / 2] = (char)v;
		}
		t->kind = AT_STRING;
		t->str = s;
		t->str_len = n / 2;
		break;
	}
	default:
		expected(p, "type");
		return NULL;
	}
	next(p);
	if (allow_args && t->kind == AT_IDENT && is_punct(p, "[")) {
		if (!parse_args(p, t))
			return NULL;
	}
	return t;
}

/* A type with optional ":" parts (bitfield "int64:3"). */
static struct ast_type *parse_type(struct parser *p)
{
	struct ast_type *t = parse_primary(p, true);
	size_t cap = 0;

	if (!t)
		return NULL;
	while (is_punct(p, ":")) {
		next(p);
		struct ast_type *c = parse_primary(p, false);
		if (!c)
			return NULL;
		PUSH(t->colon, t->n_colon, c, cap);
	}
	if (t->n_colon && !t->n_args && t->kind == AT_IDENT &&
	    is_punct(p, "[")) {
		if (!parse_args(p, t))
			return NULL;
	}
	return t;
}

/* Expressions of if[...]: operand ((==|!=|&|'||') operand)*, with
 * precedence || < ==,!= < &. */
static struct ast_expr *parse_operand(struct parser *p)
{
	struct ast_expr *e = arena_alloc(p->a, sizeof(*e));

	if (!e)
		return NULL;
	e->pos = p->tpos;
	if (is_punct(p, "(")) {
		next(p);
		e = parse_expr(p);
		if (!e || !expect_punct(p, ")"))
			return NULL;
		return e;
	}
	if (p->tok == T_IDENT && p->tlen == 5 && !memcmp(p->tbeg, "value", 5)) {
		e->op = SYZ_EXPR_VALUE;
		e->value = parse_primary(p, true);
		if (!e->value)
			return NULL;
		if (e->value->n_args != 1) {
			perr(p, &e->pos, "value[] takes exactly one path");
			return NULL;
		}
		return e;
	}
	if (p->tok == T_IDENT || p->tok == T_INT || p->tok == T_CHAR) {
		e->op = SYZ_EXPR_CONST;
		e->value = parse_primary(p, false);
		return e->value ? e : NULL;
	}
	expected(p, "value[...], an integer or a const");
	return NULL;
}

static struct ast_expr *parse_binary(struct parser *p, int level)
{
	static const char *const ops[3][2] = { { "||", NULL },
					       { "==", "!=" },
					       { "&", NULL } };
	static const enum syz_expr_op codes[3][2] = { { SYZ_EXPR_OR, 0 },
						      { SYZ_EXPR_EQ,
							SYZ_EXPR_NE },
						      { SYZ_EXPR_AND, 0 } };
	struct ast_expr *l;

	if (level == 3)
		return parse_operand(p);
	if (++p->depth > 64) {
		perr(p, &p->tpos, "expression nesting is too deep");
		return NULL;
	}
	l = parse_binary(p, level + 1);
	while (l) {
		int k = -1;

		for (int i = 0; i < 2; i++) {
			if (ops[level][i] && is_punct(p, ops[level][i]))
				k = i;
		}
		if (k < 0)
			break;
		struct ast_expr *e = arena_alloc(p->a, sizeof(*e));
		if (!e)
			return NULL;
		e->pos = p->tpos;
		e->op = codes[level][k];
		next(p);
		e->left = l;
		e->right = parse_binary(p, level + 1);
		if (!e->right)
			return NULL;
		l = e;
	}
	p->depth--;
	return l;
}

static struct ast_expr *parse_expr(struct parser *p)
{
	return parse_binary(p, 0);
}

static bool want_ident(struct parser *p, const char *what)
{
	if (p->tok != T_IDENT) {
		expected(p, what);
		return false;
	}
	return true;
}

/* "(attr, attr[arg])" or "[attr, ...]" lists. */
static int parse_attrs(struct parser *p, const char *close,
		       struct ast_type ***out, size_t *n)
{
	size_t cap = 0;

	next(p);
	if (is_punct(p, close)) {
		next(p);
		return 0;
	}
	for (;;) {
		if (!want_ident(p, "attribute"))
			return -1;
		struct ast_type *t = parse_primary(p, true);
		if (!t)
			return -1;
		if (*n == cap) {
			size_t nc = cap ? cap * 2 : 4;
			struct ast_type **nv =
				arena_alloc(p->a, nc * sizeof(*nv));
			if (!nv)
				return -1;
			if (*n)
				memcpy(nv, *out, *n * sizeof(*nv));
			*out = nv;
			cap = nc;
		}
		(*out)[(*n)++] = t;
		if (is_punct(p, ","))
			next(p);
		else
			break;
	}
	return expect_punct(p, close) ? 0 : -1;
}

static bool end_of_line(struct parser *p)
{
	if (p->tok == T_NL || p->tok == T_EOF)
		return true;
	expected(p, "end of line");
	return false;
}

/* "{ fields }" or "[ options ]" followed by optional "[attrs]". */
static struct ast_node *parse_struct_body(struct parser *p, struct ast_node *n)
{
	const char *close = n->is_union ? "]" : "}";
	size_t cap = 0;

	next(p); /* { or [ */
	p->in_body = true;
	for (;;) {
		while (p->tok == T_NL)
			next(p);
		if (is_punct(p, close))
			break;
		if (p->tok == T_EOF) {
			perr(p, &n->pos, "unterminated %s %s",
			     n->is_union ? "union" : "struct", n->name);
			return NULL;
		}
		struct ast_field f = { .pos = p->tpos };
		if (!want_ident(p, "field name"))
			return NULL;
		f.name = tok_str(p);
		next(p);
		f.type = parse_type(p);
		if (!f.type)
			return NULL;
		if (is_punct(p, "(")) {
			if (parse_attrs(p, ")", &f.attrs, &f.n_attrs))
				return NULL;
		}
		if (!end_of_line(p))
			return NULL;
		PUSH(n->fields, n->n_fields, f, cap);
	}
	p->in_body = false;
	next(p);
	if (is_punct(p, "[")) {
		if (parse_attrs(p, "]", &n->vals, &n->n_vals))
			return NULL;
	}
	if (!end_of_line(p))
		return NULL;
	return n;
}

/* Rest of the line as text (include/incdir/define). */
static const char *rest_of_line(struct parser *p)
{
	const char *b = p->tbeg, *e = b;

	while (p->tok != T_NL && p->tok != T_EOF) {
		e = p->tbeg + p->tlen;
		next(p);
	}
	return arena_strndup(p->strs, b, (size_t)(e - b));
}

static struct ast_node *parse_call(struct parser *p, struct ast_node *n)
{
	size_t cap = 0;

	n->kind = AST_CALL;
	next(p); /* ( */
	if (!is_punct(p, ")")) {
		for (;;) {
			struct ast_field f = { .pos = p->tpos };
			if (!want_ident(p, "argument name"))
				return NULL;
			f.name = tok_str(p);
			next(p);
			f.type = parse_type(p);
			if (!f.type)
				return NULL;
			PUSH(n->fields, n->n_fields, f, cap);
			if (is_punct(p, ","))
				next(p);
			else
				break;
		}
	}
	if (!expect_punct(p, ")"))
		return NULL;
	if (p->tok == T_IDENT) {
		n->type = parse_type(p);
		if (!n->type)
			return NULL;
	}
	if (is_punct(p, "(")) {
		if (parse_attrs(p, ")", &n->vals, &n->n_vals))
			return NULL;
	}
	return end_of_line(p) ? n : NULL;
}

static struct ast_node *parse_node(struct parser *p)
{
	struct ast_node *n = arena_alloc(p->a, sizeof(*n));
	size_t cap = 0;

	if (!n)
		return NULL;
	n->pos = p->tpos;
	if (!want_ident(p, "declaration"))
		return NULL;
	const char *id = tok_str(p);
	next(p);
	if (!strcmp(id, "include") || !strcmp(id, "incdir")) {
		n->kind = strcmp(id, "include") ? AST_INCDIR : AST_INCLUDE;
		if (!is_punct(p, "<")) {
			expected(p, "'<'");
			return NULL;
		}
		n->text = rest_of_line(p);
		return n;
	}
	if (!strcmp(id, "define")) {
		n->kind = AST_DEFINE;
		if (!want_ident(p, "define name"))
			return NULL;
		n->name = tok_str(p);
		next(p);
		if (p->tok == T_NL || p->tok == T_EOF) {
			expected(p, "define value");
			return NULL;
		}
		n->text = rest_of_line(p);
		return n;
	}
	if (!strcmp(id, "meta")) {
		n->kind = AST_META;
		struct ast_type *t = parse_type(p);
		if (!t)
			return NULL;
		PUSH(n->vals, n->n_vals, t, cap);
		return end_of_line(p) ? n : NULL;
	}
	if (!strcmp(id, "resource")) {
		n->kind = AST_RESOURCE;
		if (!want_ident(p, "resource name"))
			return NULL;
		n->name = tok_str(p);
		n->pos = p->tpos;
		next(p);
		if (!expect_punct(p, "["))
			return NULL;
		n->type = parse_type(p);
		if (!n->type || !expect_punct(p, "]"))
			return NULL;
		if (is_punct(p, ":")) {
			do {
				next(p);
				if (p->tok != T_INT && p->tok != T_IDENT &&
				    p->tok != T_CHAR) {
					expected(p, "resource value");
					return NULL;
				}
				struct ast_type *v = parse_primary(p, false);
				if (!v)
					return NULL;
				PUSH(n->vals, n->n_vals, v, cap);
			} while (is_punct(p, ","));
		}
		return end_of_line(p) ? n : NULL;
	}
	if (!strcmp(id, "type")) {
		n->kind = AST_TYPEDEF;
		if (!want_ident(p, "type name"))
			return NULL;
		n->name = tok_str(p);
		n->pos = p->tpos;
		next(p);
		if (is_punct(p, "[")) {
			size_t pcap = 0;
			do {
				next(p);
				if (!want_ident(p, "template parameter"))
					return NULL;
				PUSH(n->params, n->n_params, tok_str(p), pcap);
				next(p);
			} while (is_punct(p, ","));
			if (!expect_punct(p, "]"))
				return NULL;
		}
		if (is_punct(p, "{") || is_punct(p, "[")) {
			struct ast_node *s = arena_alloc(p->a, sizeof(*s));
			if (!s)
				return NULL;
			s->kind = AST_STRUCT;
			s->pos = n->pos;
			s->name = n->name;
			s->is_union = is_punct(p, "[");
			n->tmpl = parse_struct_body(p, s);
			return n->tmpl ? n : NULL;
		}
		n->type = parse_type(p);
		if (!n->type)
			return NULL;
		return end_of_line(p) ? n : NULL;
	}
	n->name = id;
	if (is_punct(p, "("))
		return parse_call(p, n);
	if (is_punct(p, "{") || is_punct(p, "[")) {
		n->kind = AST_STRUCT;
		n->is_union = is_punct(p, "[");
		return parse_struct_body(p, n);
	}
	if (is_punct(p, "=")) {
		next(p);
		if (p->tok == T_STRING || p->tok == T_HEXSTR)
			n->kind = AST_STR_FLAGS;
		else
			n->kind = AST_INT_FLAGS;
		if (p->tok == T_NL || p->tok == T_EOF)
			return end_of_line(p) ? n : NULL; /* empty flags */
		for (;;) {
			bool str = p->tok == T_STRING || p->tok == T_HEXSTR;
			if ((str && n->kind != AST_STR_FLAGS) ||
			    !(str || p->tok == T_INT || p->tok == T_IDENT ||
			      p->tok == T_CHAR) ||
			    (n->kind == AST_STR_FLAGS && p->tok != T_IDENT &&
			     !str)) {
				expected(p, n->kind == AST_STR_FLAGS ?
						    "string value" :
						    "integer or const");
				return NULL;
			}
			struct ast_type *v = parse_primary(p, false);
			if (!v)
				return NULL;
			PUSH(n->vals, n->n_vals, v, cap);
			if (!is_punct(p, ","))
				break;
			next(p);
		}
		return end_of_line(p) ? n : NULL;
	}
	expected(p, "'(', '{', '[' or '=' after a name");
	return NULL;
}

int syz_parse(struct arena *a, struct arena *strs, const char *name,
	      const char *text, size_t len, ast_err_fn err, void *ctx,
	      struct ast_file *out)
{
	struct parser p = {
		.a = a,
		.strs = strs,
		.name = name,
		.s = text,
		.end = text + len,
		.p = text,
		.line = 1,
		.line_start = text,
		.err = err,
		.ctx = ctx,
	};
	size_t cap = 0;

	memset(out, 0, sizeof(*out));
	out->name = name;
	next(&p);
	while (p.tok != T_EOF) {
		if (p.tok == T_NL) {
			next(&p);
			continue;
		}
		int before = p.n_err;
		p.depth = 0;
		p.in_body = false;
		struct ast_node *n = parse_node(&p);
		if (!n) {
			if (p.n_err == before)
				perr(&p, &p.tpos, "out of memory");
			skip_line(&p);
			/* skip the rest of a broken struct up to its end */
			while (p.in_body && p.tok != T_EOF) {
				next(&p);
				if (p.tok == T_PUNCT && p.tpos.col == 1 &&
				    (p.punct[0] == '}' || p.punct[0] == ']')) {
					skip_line(&p);
					break;
				}
				skip_line(&p);
			}
			continue;
		}
		if (out->n_nodes == cap) {
			size_t nc = cap ? cap * 2 : 64;
			struct ast_node **nv = arena_alloc(a, nc * sizeof(*nv));
			if (!nv) {
				perr(&p, &p.tpos, "out of memory");
				break;
			}
			if (out->n_nodes)
				memcpy(nv, out->nodes,
				       out->n_nodes * sizeof(*nv));
			out->nodes = nv;
			cap = nc;
		}
		out->nodes[out->n_nodes++] = n;
	}
	return p.n_err;
}
