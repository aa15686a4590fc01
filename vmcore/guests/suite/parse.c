/* A tokenizer and a recursive-descent evaluator: generated programs of
 * assignments such as "q = (b + 17) * c % 5 - -d; # note" are lexed by a state
 * machine that switches over every character it may meet, and evaluated by one
 * function per precedence level, so the work is big switches, many calls and
 * returns, and data-dependent branches. */
#include "suite.h"

#define PARSE_TEXT 8192u
#define PARSE_PASSES 4u

enum token {
	T_END, T_NUMBER, T_NAME, T_PLUS, T_MINUS, T_STAR, T_SLASH, T_PERCENT, T_AND,
	T_OR, T_XOR, T_SHL, T_SHR, T_OPEN, T_CLOSE, T_ASSIGN, T_SEMI, T_ERROR
};

struct parser {
	const uint8_t *text;
	uint32_t at;
	enum token token;
	uint64_t value; /* T_NUMBER's value, T_NAME's variable */
	uint64_t vars[26];
	uint32_t errors;
};

#define CASE_DIGIT                                                                     \
	case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': \
	case '8': case '9'
#define CASE_LOWER                                                                     \
	case 'a': case 'b': case 'c': case 'd': case 'e': case 'f': case 'g': case 'h': \
	case 'i': case 'j': case 'k': case 'l': case 'm': case 'n': case 'o': case 'p': \
	case 'q': case 'r': case 's': case 't': case 'u': case 'v': case 'w': case 'x': \
	case 'y': case 'z'

/* The lexer: states for between tokens, a number, a name, a comment, and the
 * first character of << and >>. */
static void parse_next(struct parser *p)
{
	enum { START, NUMBER, NAME, COMMENT, LESS, GREATER } state = START;

	for (;;) {
		uint8_t c = p->text[p->at];

		switch (state) {
		case START:
			p->at++;
			switch (c) {
			case 0: p->at--; p->token = T_END; return;
			case ' ': case '\t': case '\n': case '\r': break;
			case '#': state = COMMENT; break;
			CASE_DIGIT: p->value = (uint64_t)(c - '0'); state = NUMBER; break;
			CASE_LOWER: p->value = (uint64_t)(c - 'a'); state = NAME; break;
			case '+': p->token = T_PLUS; return;
			case '-': p->token = T_MINUS; return;
			case '*': p->token = T_STAR; return;
			case '/': p->token = T_SLASH; return;
			case '%': p->token = T_PERCENT; return;
			case '&': p->token = T_AND; return;
			case '|': p->token = T_OR; return;
			case '^': p->token = T_XOR; return;
			case '(': p->token = T_OPEN; return;
			case ')': p->token = T_CLOSE; return;
			case '=': p->token = T_ASSIGN; return;
			case ';': p->token = T_SEMI; return;
			case '<': state = LESS; break;
			case '>': state = GREATER; break;
			default: p->token = T_ERROR; return;
			}
			break;
		case NUMBER:
			switch (c) {
			CASE_DIGIT: p->value = p->value * 10 + (uint64_t)(c - '0'); p->at++; break;
			default: p->token = T_NUMBER; return;
			}
			break;
		case NAME:
			switch (c) {
			CASE_LOWER: p->at++; break; /* a long name is its first letter's variable */
			default: p->token = T_NAME; return;
			}
			break;
		case COMMENT:
			switch (c) {
			case 0: state = START; break;
			case '\n': p->at++; state = START; break;
			default: p->at++; break;
			}
			break;
		case LESS:
		case GREATER:
			if (c != (state == LESS ? '<' : '>')) {
				p->token = T_ERROR;
				return;
			}
			p->at++;
			p->token = state == LESS ? T_SHL : T_SHR;
			return;
		}
	}
}

static uint64_t parse_or(struct parser *p);

static uint64_t parse_primary(struct parser *p)
{
	uint64_t value;

	switch (p->token) {
	case T_NUMBER:
		value = p->value;
		parse_next(p);
		return value;
	case T_NAME:
		value = p->vars[p->value];
		parse_next(p);
		return value;
	case T_MINUS:
		parse_next(p);
		return 0 - parse_primary(p);
	case T_OPEN:
		parse_next(p);
		value = parse_or(p);
		if (p->token != T_CLOSE)
			p->errors++;
		parse_next(p);
		return value;
	default:
		p->errors++;
		parse_next(p);
		return 0;
	}
}

static uint64_t parse_product(struct parser *p)
{
	uint64_t value = parse_primary(p);

	for (;;) {
		enum token op = p->token;
		uint64_t right;

		if (op != T_STAR && op != T_SLASH && op != T_PERCENT)
			return value;
		parse_next(p);
		right = parse_primary(p);
		if (op == T_STAR)
			value *= right;
		else if (right == 0)
			value = ~value;
		else
			value = op == T_SLASH ? value / right : value % right;
	}
}

static uint64_t parse_sum(struct parser *p)
{
	uint64_t value = parse_product(p);

	while (p->token == T_PLUS || p->token == T_MINUS) {
		enum token op = p->token;

		parse_next(p);
		value = op == T_PLUS ? value + parse_product(p) : value - parse_product(p);
	}
	return value;
}

static uint64_t parse_shift(struct parser *p)
{
	uint64_t value = parse_sum(p);

	while (p->token == T_SHL || p->token == T_SHR) {
		enum token op = p->token;
		uint64_t by;

		parse_next(p);
		by = parse_sum(p) & 63;
		value = op == T_SHL ? value << by : value >> by;
	}
	return value;
}

static uint64_t parse_and(struct parser *p)
{
	uint64_t value = parse_shift(p);

	while (p->token == T_AND) {
		parse_next(p);
		value &= parse_shift(p);
	}
	return value;
}

static uint64_t parse_xor(struct parser *p)
{
	uint64_t value = parse_and(p);

	while (p->token == T_XOR) {
		parse_next(p);
		value ^= parse_and(p);
	}
	return value;
}

static uint64_t parse_or(struct parser *p)
{
	uint64_t value = parse_xor(p);

	while (p->token == T_OR) {
		parse_next(p);
		value |= parse_xor(p);
	}
	return value;
}

/* statement: name = expression ; */
static void parse_statement(struct parser *p)
{
	uint64_t target = p->value;

	if (p->token != T_NAME) {
		p->errors++;
		parse_next(p);
		return;
	}
	parse_next(p);
	if (p->token != T_ASSIGN)
		p->errors++;
	parse_next(p);
	p->vars[target] = parse_or(p);
	if (p->token != T_SEMI)
		p->errors++;
	parse_next(p);
}

/* The generator: text for an expression of depth at most depth. */
struct writer {
	uint8_t *text;
	uint32_t at;
	uint64_t state;
};

static void write_text(struct writer *w, const char *text)
{
	while (*text)
		w->text[w->at++] = (uint8_t)*text++;
}

static void write_number(struct writer *w, uint64_t value)
{
	char digits[20];
	unsigned n = 0;

	do {
		digits[n++] = (char)('0' + value % 10);
		value /= 10;
	} while (value);
	while (n)
		w->text[w->at++] = (uint8_t)digits[--n];
}

static void write_expression(struct writer *w, unsigned depth)
{
	static const char *const operators[] = { " + ", " - ", " * ", " / ", " % ", " & ",
						 " | ", " ^ ", " << ", " >> ", "+", "*" };
	unsigned terms = 1 + (unsigned)(suite_next(&w->state) % 3);

	for (unsigned t = 0; t < terms; t++) {
		uint64_t pick = suite_next(&w->state);

		if (t > 0)
			write_text(w, operators[(pick >> 8) % 12]);
		switch (depth == 0 ? pick % 3 : pick % 5) {
		case 0: write_number(w, (pick >> 16) % 100000); break;
		case 1:
			w->text[w->at++] = (uint8_t)('a' + (pick >> 24) % 26);
			if (pick & 1)
				write_text(w, "ux");
			break;
		case 2:
			write_text(w, "-");
			w->text[w->at++] = (uint8_t)('a' + (pick >> 24) % 26);
			break;
		default:
			write_text(w, "(");
			write_expression(w, depth - 1);
			write_text(w, ")");
			break;
		}
	}
}

uint64_t kernel_run(uint32_t iterations, uint8_t *arena)
{
	struct writer w = { arena, 0, 0x3c6ef372fe94f82bull };
	struct parser p;
	uint64_t sum = 0;

	for (uint32_t i = 0; i < 26; i++)
		p.vars[i] = i * 0x9e3779b97f4a7c15ull;
	p.errors = 0;
	for (uint32_t it = 0; it < iterations; it++) {
		/* A program of statements, each under 1,300 bytes (depth 3, at most 3
		 * terms a level), so the last one ends inside PARSE_TEXT. */
		w.at = 0;
		while (w.at < PARSE_TEXT - 1300) {
			w.text[w.at++] = (uint8_t)('a' + suite_next(&w.state) % 26);
			write_text(&w, " = ");
			write_expression(&w, 3);
			write_text(&w, suite_next(&w.state) % 4 ? ";\n" : "; # checked\n");
		}
		w.text[w.at] = 0;
		for (uint32_t pass = 0; pass < PARSE_PASSES; pass++) {
			p.text = w.text;
			p.at = 0;
			parse_next(&p);
			while (p.token != T_END)
				parse_statement(&p);
		}
		for (uint32_t i = 0; i < 26; i++)
			sum = sum * 1000003 + p.vars[i];
	}
	return sum + p.errors;
}
