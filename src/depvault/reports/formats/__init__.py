"""Report file formats: the streaming writers (own XLSX, JSON, XML, PDF tables) and the
background compression thread they share.

Writers take rows and a binary stream and know nothing of reports or the store: this
package imports only the standard library, its own modules and ``depvault.domain``.
"""
