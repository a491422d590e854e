/*
 * For tests that plant a link where a file of ours belongs: the file the link points at (the
 * victim), written first and proven untouched afterwards, with the link still a link.
 */
#ifndef VICTIM_H
#define VICTIM_H

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "unit.h"

static inline void victim_write(const char *victim, const char *content)
{
	FILE *f = fopen(victim, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

/* victim still holds exactly content (not grown, not written), and link is still a link. */
static inline void assert_victim_intact(const char *victim, const char *content, const char *link)
{
	struct stat st;
	char back[256] = "";

	assert_int_equal(stat(victim, &st), 0);
	assert_int_equal(st.st_size, strlen(content));
	FILE *f = fopen(victim, "r");
	assert_non_null(f);
	assert_non_null(fgets(back, sizeof(back), f));
	fclose(f);
	assert_string_equal(back, content);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
}

#endif
