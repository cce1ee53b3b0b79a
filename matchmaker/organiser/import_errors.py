"""The participants file's row errors in the reader's language (the CLI prints them in English).

One message per code of :data:`matchmaker.domain.import_errors.MESSAGES`, formatted with the
error's params; a test checks that every code has one and that each formats.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from matchmaker.domain.import_errors import RowError

MESSAGES: dict[str, LazyString] = {
    "not_utf8": _l(
        "El archivo no es texto UTF-8 (codificación incorrecta): guárdalo como «CSV UTF-8»."
    ),
    "nul_character": _l("El archivo contiene un carácter NUL: no es un archivo de texto CSV."),
    "empty_file": _l("El archivo está vacío: falta la fila de encabezado."),
    "no_header": _l("La primera línea está vacía: debe ser la fila de encabezado."),
    "no_participants": _l("El archivo tiene fila de encabezado pero ningún participante."),
    "unknown_column": _l("Columna desconocida (se permiten: %(allowed)s)."),
    "missing_column": _l("Falta esta columna obligatoria."),
    "duplicate_column": _l("La columna aparece dos veces."),
    "malformed_csv": _l("CSV mal formado a partir de esta línea: revisa las comillas."),
    "field_too_large": _l("Un campo tiene más de %(limit)s caracteres."),
    "field_count": _l("Se esperaban %(expected)s campos y hay %(found)s."),
    "required": _l("Falta el valor."),
    "too_long": _l("%(length)s caracteres: esta columna admite como máximo %(limit)s."),
    "hidden_character": _l(
        "Contiene un salto de línea o un carácter de control invisible "
        "(%(char)s) que esta columna no admite."
    ),
    "unknown_kind": _l("Tipo desconocido «%(value)s» (se permiten: %(allowed)s)."),
    "unknown_organisation_type": _l(
        "Tipo de organización desconocido «%(value)s» para %(kind)s (se permiten: %(allowed)s)."
    ),
    "invalid_email": _l("Dirección de correo no válida: «%(value)s»."),
    "unknown_country": _l("Código de país desconocido «%(value)s» (ISO 3166-1 alfa-2, p. ej. MX)."),
    "unknown_language": _l("Código de idioma desconocido «%(value)s» (ISO 639-1, p. ej. es;en)."),
    "unknown_theme": _l("Tema desconocido «%(value)s» (se permiten: %(allowed)s)."),
    "not_slot_number": _l("«%(value)s» no es un número de turno (0, 1, 2…)."),
    "slot_too_large": _l(
        "El turno %(value)s pasa del último que un archivo puede indicar (%(limit)s)."
    ),
    "not_whole_number": _l("«%(value)s» no es un número entero de reuniones."),
    "too_many_meetings": _l(
        "%(value)s reuniones son más que el máximo de %(limit)s por participante."
    ),
    "duplicate_id": _l("Id «%(value)s» repetido (aparece primero en la línea %(first)s)."),
    "duplicate_email": _l("Correo «%(value)s» repetido (aparece primero en la línea %(first)s)."),
    "kind_change": _l("«%(value)s» ya está registrado como %(kind)s: su tipo no puede cambiar."),
    "email_taken": _l("El correo «%(value)s» ya pertenece al participante «%(owner)s»."),
    "no_such_slot": _l("Los turnos %(slots)s no existen (el evento tiene %(num_slots)s turnos)."),
}


def describe(error: RowError) -> str:
    """Why the row was refused, in the current request's language."""
    message = MESSAGES.get(error.code)
    if message is None:  # a code added to the domain without words here: say it in English
        return error.message
    return str(message) % dict(error.params)
