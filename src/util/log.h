/* Logging for the host side: one sink, levels, printf-checked formats. */
#ifndef DRMFUZZ_UTIL_LOG_H
#define DRMFUZZ_UTIL_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LVL_ERROR,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

/* A sink receives one formatted message, without a trailing newline. */
typedef void (*log_sink_fn)(enum log_level level, const char *msg, void *ctx);

/* Replace the sink (NULL restores the default: "drmfuzz: level: msg" on stderr). */
void log_set_sink(log_sink_fn sink, void *ctx);
/* Messages above @level are dropped. Default: LOG_LVL_INFO. */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#define log_err(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...)                                       \
	do {                                                 \
		if (log_get_level() >= LOG_LVL_DEBUG)        \
			log_msg(LOG_LVL_DEBUG, __VA_ARGS__); \
	} while (0)

#endif
