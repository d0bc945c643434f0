/*
 * quote: an agent's own words in a reply, without what they quoted.
 *
 * Mail clients put the text being answered below (or above) the new
 * words in their own shapes: Gmail's "On ... wrote:" (and its Thai
 * "เมื่อ ... เขียนว่า:"), Outlook's "From: / Sent: / To: / Subject:"
 * block and "-----Original Message-----", Apple Mail's and Thunderbird's
 * attribution lines, "> " quoting as mutt writes it, and "-- "
 * signatures. ticketd's own notifications carry a marker line that says
 * where to type. Only the words above all of these go to the customer;
 * they are kept exactly as written.
 */
#ifndef QUOTE_H
#define QUOTE_H

/*
 * The agent's own words in body (UTF-8, \n line ends): everything
 * before the first quote header, quoted block, signature separator or
 * marker line (NULL: none), without trailing blank lines. An inline
 * reply, the agent's words between "> " blocks, keeps the quoted lines
 * it answers, so it still reads; only what follows the agent's last
 * words goes. Free with g_free.
 */
char	*quote_strip(const char *body, const char *marker);

#endif
