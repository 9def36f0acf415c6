"""What runs across apps: "import an upload, then analyse its journey" (DESIGN section 3 "Who owns what").

The one package above both ``surveys`` and ``moments``, so that neither imports the other's services: ``surveys``
imports and reports, ``moments`` analyses, and this package calls one after the other. It has no models.
"""
