"""Requests and answers: who is asking, in which language, how pages are rendered
and errors said, and what bounds a request."""
