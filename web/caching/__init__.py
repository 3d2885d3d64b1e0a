"""Caching: what is computed once and given again, and why it is never stale nor
anyone else's.

**One number.** The site's *generation* (generation.py) moves on once for every
committed transaction that changes what readers see: domain functions note such writes
in their session (web.changes) and writes.py acts on the notes when the transaction
commits (a rolled-back write moves nothing). It lives where every app server reads it:
Redis when REDIS_URL is set, else the database's site_state row. Everything below is
kept under it or under its own content, so a write is visible on the next read on
every server and nothing is ever deleted: old entries stop being asked for and the
bounded LRU of each process lets them go. A bump Redis missed is retried, and until it
lands this process serves nothing kept. When the generation cannot be read, nothing is
served from cache.

**Four kinds of thing are kept**, each in the process's LRU (generation.store):

- *Computed values* (generation.remember, which the domain reaches through web.reuse):
  a list's page of previews, its total, the popular tags; keyed by the generation and
  the question asked.
- *Whole answers* (answers.py): pages and API reads whose view is marked
  `@served_again`, keyed by the generation, the address, the request's shape (htmx
  headers), the language and the reader: a visitor's choices (theme, language), or a
  member's account as the page shows it (never its secrets). A member's answers are
  served to that member only and never kept by a browser (`private, no-store`);
  visitors' carry an ETag and get 304s. The CSRF token and the one-time tokens of
  creating forms are kept as placeholders and made afresh for each answer.
- *Replays* (replay.py): of those answers, the ones that are the same for everyone who
  asks the same way (no cookie, no token, no form token in them) are given again at the
  WSGI level, before Flask runs, while the generation is the one they were made at.
- *Fragments* (fragments.py): a component rendered once per distinct content (previews,
  comments, the navigation, the footer's forms), keyed by everything it shows rather
  than by the generation, so a write changes the key of exactly what it touched.

Nobody with a message waiting, an API token, a visitor's reading list or a sign-in
being restored from a remember-me cookie is served from, or stored in, the answers.
"""
