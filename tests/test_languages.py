"""Offline language detection into metadata.languages (ISO 639-3)."""

from __future__ import annotations

from docbatch.languages import detect_languages

EN = "This is an English paragraph about documents, their many pages and the tables inside them."
ES = "Este es un párrafo en español sobre documentos, sus muchas páginas y las tablas que contienen."


def test_main_language_as_iso_639_3():
    assert detect_languages([EN]) == ["eng"]
    assert detect_languages(["Dies ist ein deutscher Absatz über Dokumente, Seiten und Tabellen."]) == ["deu"]
    assert detect_languages(["これは日本語で書かれた文書です。表とページについて説明します。"]) == ["jpn"]


def test_a_mixed_document_lists_both_languages():
    assert sorted(detect_languages([EN, ES])) == ["eng", "spa"]


def test_too_little_text_defaults_to_english_and_no_text_to_none():
    assert detect_languages(["Hi there"]) == ["eng"]
    assert detect_languages(["1234 5678 9012 3456 7890"]) is None


def test_undecodable_file_name_bytes_do_not_break_detection():
    assert detect_languages([EN + " caf\udce9"]) == ["eng"]
