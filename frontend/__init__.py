"""The HTML door: server-rendered pages for advocates, partners, supervisors and young people."""
