from shenbao.masking import mask_id_number, mask_phone


def test_a_phone_keeps_its_first_three_and_last_four_digits() -> None:
    assert mask_phone("13800138000") == "138****8000"


def test_an_id_number_keeps_its_region_and_last_four() -> None:
    assert mask_id_number("62010219800101123X") == "620102********123X"


def test_a_malformed_id_number_is_masked_whole() -> None:
    assert mask_id_number("1234") == "****"
