"""The linter's problems in Chinese, for the people who fix them in the builder (the linter itself speaks English
to engineers on the command line): each says where the problem is and what to do."""

from __future__ import annotations

import re

from shenbao.forms.editing import QUESTION_TYPES
from shenbao.forms.lint import Problem
from shenbao.roles import role_label

__all__ = ["CODES_ZH", "in_chinese", "place_name"]

CODES_ZH = {
    "E001": "表单格式不对：{detail}",
    "E002": "题目代号 {detail} 用了不止一次：每道题的代号要不同",
    "E003": "选项的存储值 {detail} 重复了：请删掉重复的选项，或给它换一个存储值",
    "E004": "{place}写得不对，无法运行（{error}）：请改正，或用条件编辑器重新设置",
    "E005": "{place}用到的题目 {name} 已不存在（可能已删除）：请重新选择题目，或删掉这个条件",
    "E006": "{place}用到了后面的题目 {name}：显示和跳转条件只能用这道题之前的题目，请换一道前面的题",
    "E007": "跳转的去向 {detail} 不是本表单的结果：请重新选择去向",
    "E008": "这道题永远不会显示：没有哪种回答能让它的显示条件成立，请检查显示条件",
    "E009": "显示和跳转条件互相依赖，绕成了一个圈（{detail}）：请去掉其中一个条件",
    "E010": "{what}没有中文：请填写中文（其他语言可以不填）",
    "E011": "“至少选几项”是 {detail}，比选项还多：请改小，或添加选项",
    "E012": "承诺书要放在题目 {detail} 之前，但表单里没有这道题：请在表单设置里重新选择",
    "E013": "结果的代号 {detail} 和一道题的代号相同：请给结果换一个代号",
    "E014": "“申请人姓名”指向的 {detail} 不是填空题：请在表单设置里选一道填姓名的填空题",
    "E015": "结果 {detail} 要从题目 {name} 接着填，但表单里没有这道题：请重新选择接着填的题目",
    "E016": "跳到结果 {detail} 后要从 {name} 接着填，但 {name} 不在这道题之后：请选一道后面的题目",
    "E017": "结果 {detail} 是“不能申请”，不会保存申请，所以不能接着填：请去掉“接着填”，或改为“可以申请但标记”",
    "E018": "{place}的提示文字不对：{error}",
    "E019": "场景“{detail}”没有通过：{error}",
    "E020": "场景“{detail}”无法运行：{error}",
    "E021": "{place}：{message}",
    "E022": "这道题用的组件 {name} 不是本配置包的组件（别的省的组件不能用）：请在本省的组件文件夹里添加它，或改用这种题型自带的组件",
    "E023": "组件 {name} 是给{draws_name}用的，这道题是{kind_name}：请换一个给{kind_name}用的组件，或改用自带的组件",
    "C001": "流程的格式不对：{detail}",
    "C002": "环节代号 {detail} 用了不止一次：每个环节的代号要不同",
    "C003": "这个环节的操作设置不对：{why_zh}",
    "C004": "这一步要填的表 {detail} 不在本省的配置包里：请重新选择，或选“不填表”",
    "C005": "有一条短信用的模板 {detail} 不存在：请先在“短信模板”里添加它，或换一条模板",
    "C006": "绿色通道的规则写得不对，无法运行（{detail}）：请改正",
    "C007": "绿色通道的规则用到了 {detail}，但用这个流程的表单（{forms}）里没有这道题：请改用表单里的题目",
    "C008": "短信模板“{detail}”里的{{{name}}}不是可用的变量（可用：{known}）：请删掉或改正",
    "C009": "表单设置里选的审批流程 {name} 不存在：请重新选择审批流程",
    "P001": "配置包里没有 pack.json：请在 forms/ 旁边写一个，例如 {example}（code 是文件夹的名字，province 是 regions/ 里"
    "行政区划代码开头的两位省代码，sms_sign 是每条短信开头的签名）",
    "P002": "pack.json 的格式不对：{detail}",
    "P003": "pack.json 里的代号是 {detail}，但配置包的文件夹叫 {name}：请改成一样的",
    "P004": "pack.json 里的省代码是 {detail}，但 regions/{file} 里有 {division}（共{count}个行政区划不在这个省）："
    "请把 province 改成这些行政区划开头的代码，或用 shenbao pack new 重新生成这个省的 regions/",
    "P005": "表单代号 {detail} 同时出现在配置包 {name}（{first}）和 {other} 里：请给其中一个换一个代号",
    "P006": "审批流程代号 {detail} 同时出现在配置包 {name}（{first}）和 {other} 里：请给其中一个换一个代号",
    "C010": "这一步的期限（提交后{detail}个工作日）比整个流程的期限（{total}个工作日）还晚：请缩短这一步，或放宽整个流程",
    "C011": "这一步在“{detail}”时发短信，但这一步不能做这个操作：请删掉这条短信，或勾选这个操作",
    "C012": "流程代号 {detail} 和文件名不一致：请让文件名与代号相同",
    "C013": "可以先行救助的{role_name}在这个流程里不办理任何一步：请取消勾选，或加一个由{role_name}办理的环节",
    "C014": "{field_name}用的短信模板 {detail} 不存在：请重新选择",
    "C015": "短信模板“{detail}”用了{{days}}（超期工作日数），但只有超期催办的短信有这一项：请删掉它",
    "C016": "复核由{role_name}受理，但这个流程里没有{role_name}办理的环节：复核的申请会没有人办，请换一个受理的级别",
    "C017": "设置了谁受理复核，却没有设置几个工作日内可以申请复核：请填写天数",
    "C018": "复核从“{detail}”这一步重新办理，但这一步在“申请人申请复核”时不给办理人发短信：没人会知道有人申请了复核，请加一条短信",
    "C019": "设置了复核的天数，却没有设置由谁受理复核：请选择受理的级别",
    "C020": "这一步没有农户看到的名称：请用农户的话填写，例如“村里核查”",
    "C021": "农户看到的名称“{detail}”和“{name}”一步相同：农户会分不清这两步，请换一个名称",
    "C022": "这道地区题决定申请送到哪个村，但只选到{depth_name}；审批流程的“{at}”一步由{level_name}办理，"
    "他们永远看不到申请：请把“选到哪一级”改为{level_name}",
    "C023": "表单用了审批流程 {chain}，但没有地区题来决定申请送到哪里：请添加一道必答的地区题，选到{level_name}",
    "C024": "这道地区题决定申请送到哪里，但不是每份申请都会回答它：请设为必答、不设显示条件，并放在任何跳转之前",
    "C025": "短信模板“{detail}”用了{{{name}}}（{name_zh}），但“{event_zh}”时发的短信没有这一项，会空着发出：请删掉它；"
    "这条短信能用的有{available_zh}",
    "C026": "短信模板“{detail}”按最长的内容算有{length}个字（含签名），超过一条短信的{limit}个字，会分成{parts}条发送、"
    "按{parts}条收费：请精简文字",
    "C027": "短信模板“{detail}”开头是{found}，但本配置包的短信签名是【{sign}】（pack.json 的 sms_sign）：请以【{sign}】开头，"
    "这是本省在短信平台登记的签名",
}
"""Each code of :data:`shenbao.forms.lint.CODES`, in Chinese."""

_LEVEL_NAMES = {"city": "市州", "county": "县级", "township": "乡镇", "village": "村级", "province": "省级"}

_INDEXED = re.compile(r"^(jumps|checks)\[(\d+)\](.*)$")


_C003 = {
    "no_advance": "没有一个能办到下一步的操作：请至少勾选“记录入户核查”“上报”“审批通过”中的一个",
    "no_finish": "最后一步要能办结：请勾选“审批通过”或“上报”",
    "first_return": "第一步没有上一步可退回：请取消勾选“退回重办”",
    "relief": "“先行救助”不是环节的操作：请在绿色通道里勾选可以先行救助的级别",
}
"""C003's reasons, by the ``why`` the chain linter gives."""


def place_name(where: str) -> str:
    """Where in a question a rule is (``visible_if``, ``jumps[0]``, ``checks[1].values.sum``), as the builder names it."""
    if where == "visible_if":
        return "显示条件"
    found = _INDEXED.match(where)
    if found is None:
        return where
    kind = "跳转条件" if found.group(1) == "jumps" else "检查规则"
    return f"第{int(found.group(2)) + 1}个{kind}"


def _what(detail: str) -> str:
    """A label's place as E010 names it (``label``, ``help``, ``option yes``)."""
    if detail.startswith("option "):
        return f"选项 {detail[7:]} 的文字"
    return {"label": "题目文字", "help": "填写说明"}.get(detail, detail)


def in_chinese(problem: Problem) -> str:
    """``problem``'s message in Chinese (its English message when the code has no Chinese yet)."""
    template = CODES_ZH.get(problem.code)
    if template is None:
        return problem.message
    values = dict(problem.values)
    values.setdefault("detail", "")
    values.setdefault("name", "")
    values.setdefault("error", "")
    values["place"] = place_name(values["detail"].split(".message")[0])
    for key in ("depth", "level"):
        values[f"{key}_name"] = _LEVEL_NAMES.get(values.get(key, ""), values.get(key, ""))
    for key in ("kind", "draws"):
        values[f"{key}_name"] = QUESTION_TYPES.get(values.get(key, ""), values.get(key, ""))
    values["what"] = _what(values["detail"])
    values["role_name"] = role_label(values["detail"])
    values["field_name"] = {"remind": "到期提醒", "escalate": "超期催办"}.get(values.get("field", ""), "")
    values["why_zh"] = _C003.get(values.get("why", ""), values["detail"])
    values.setdefault("forms", "")
    values.setdefault("known", "")
    values.setdefault("total", "")
    return template.format(**values)
